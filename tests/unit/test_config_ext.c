/*
 * test_config_ext.c - which libvirt URIs make libvirt run a local command
 * (engine/config_ext.c), and safefile_open's verdicts on files.
 */
#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engine/config_ext.h"
#include "../../engine/safefile.h"

static void
test_uris(void **state)
{
	static const char *const runs[] = {
		"qemu+ext:///system?command=/bin/sh",
		"qemu+EXT:///system",
		"xen+ext://h/",
		"qemu+ssh://h/system?command=/tmp/x",
		"qemu+ssh://h/system?keyfile=k&command=/tmp/x",
		"qemu+ssh://h/system?keyfile=k;command=/tmp/x",
		"qemu+ssh://h/system?%63ommand=/tmp/x",
		"qemu+libssh2://h/system?COMMAND=/tmp/x",
		"qemu+ssh://h/system?command",
	};
	static const char *const safe[] = {
		"qemu:///system",
		"qemu+ssh://h1/system",
		"qemu+tls://h1.example/system",
		"qemu+unix:///system?socket=/run/x.sock",
		"qemu+extra://h/system",
		"qemu+ssh://h/system?commandx=1&xcommand=2",
		"qemu+ssh://h/system#command=x",
		"test:///default",
		"no-colon-here",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof runs / sizeof runs[0]; i++)
		if (!config_uri_runs_command(runs[i]))
			fail_msg("%s: not seen to run a command", runs[i]);
	for (i = 0; i < sizeof safe / sizeof safe[0]; i++)
		if (config_uri_runs_command(safe[i]))
			fail_msg("%s: wrongly seen to run a command", safe[i]);
}

static void
test_safefile(void **state)
{
	char dir[] = "/tmp/vmbal-safefile-XXXXXX", path[64], err[256];
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/f", dir);
	assert_int_equal(safefile_open(path, &fd, &st, err, sizeof err),
	    SAFEFILE_MISSING);
	assert_int_equal(fd, -1);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(safefile_open(path, &fd, &st, err, sizeof err),
	    SAFEFILE_OK);
	close(fd);
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(safefile_open(path, &fd, &st, err, sizeof err),
	    SAFEFILE_UNSAFE);
	assert_string_equal(err, "writable by its group (mode 0620): refused, "
	    "another user could have written it (chmod go-w)");
	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(safefile_open(path, &fd, &st, err, sizeof err),
	    SAFEFILE_UNSAFE);
	assert_non_null(strstr(err, "writable by others (mode 0602)"));
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(safefile_open(path, &fd, &st, err, sizeof err),
	    SAFEFILE_UNSAFE);
	assert_string_equal(err, "not a regular file");
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uris),
		cmocka_unit_test(test_safefile),
	};

	return TAP_RUN(tests);
}
