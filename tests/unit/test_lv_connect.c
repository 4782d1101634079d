/*
 * test_lv_connect.c - opening libvirt connections without a prompt: the
 * URI rewriting (no_tty=1 added to ssh-transport URIs, never twice, other
 * transports untouched), the hints made from libvirt's messages, and
 * lv_connect_open on the test driver and on an ssh host that is not
 * there (fails at once, with the message, reading no terminal).
 */
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "../../probes/lv_connect.h"
#include "../../lib/monotime.h"

static void
check_uri(const char *in, const char *want)
{
	char *out = lv_connect_uri(in);

	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void
test_uri_ssh_gets_no_tty(void **state)
{
	(void)state;
	check_uri("qemu+ssh://h1/system", "qemu+ssh://h1/system?no_tty=1");
	check_uri("qemu+ssh://root@h1:2222/system",
	    "qemu+ssh://root@h1:2222/system?no_tty=1");
	check_uri("qemu+ssh://h1/system?keyfile=/k",
	    "qemu+ssh://h1/system?keyfile=/k&no_tty=1");
	check_uri("qemu+ssh://h1/system?", "qemu+ssh://h1/system?no_tty=1");
	check_uri("qemu+ssh://h1/system?a=1&", "qemu+ssh://h1/system?a=1&no_tty=1");
	check_uri("QEMU+SSH://h1/system", "QEMU+SSH://h1/system?no_tty=1");
	check_uri("qemu+ssh://h1/system#frag", "qemu+ssh://h1/system?no_tty=1#frag");
	check_uri("qemu+ssh://[fe80::1]:22/system",
	    "qemu+ssh://[fe80::1]:22/system?no_tty=1");
}

static void
test_uri_no_tty_not_duplicated(void **state)
{
	(void)state;
	check_uri("qemu+ssh://h1/system?no_tty=1", "qemu+ssh://h1/system?no_tty=1");
	check_uri("qemu+ssh://h1/system?keyfile=/k&no_tty=1&x=2",
	    "qemu+ssh://h1/system?keyfile=/k&no_tty=1&x=2");
	/* the user's own value is kept as written */
	check_uri("qemu+ssh://h1/system?no_tty=0", "qemu+ssh://h1/system?no_tty=0");
	check_uri("qemu+ssh://h1/system?no_tty", "qemu+ssh://h1/system?no_tty");
	/* a parameter whose name only starts or ends like it is another one */
	check_uri("qemu+ssh://h1/system?no_tty_x=1",
	    "qemu+ssh://h1/system?no_tty_x=1&no_tty=1");
	check_uri("qemu+ssh://h1/system?xno_tty=1",
	    "qemu+ssh://h1/system?xno_tty=1&no_tty=1");
}

static void
test_uri_other_transports_untouched(void **state)
{
	static const char *const same[] = {
		"qemu+tcp://198.18.10.11/system",
		"qemu+tls://h1/system?pkipath=/p",
		"qemu://h1/system",
		"qemu:///system",
		"test:///default",
		"qemu+unix:///system?socket=/run/x",
		"qemu+libssh://h1/system",
		"qemu+libssh2://h1/system?known_hosts_verify=normal",
		"qemu+ext://h1/system?command=/bin/ssh",
		"qemu+sshx://h1/system",
		"not a uri",
		"",
		/* "ssh" outside the scheme is not the transport */
		"qemu+tcp://ssh/system?x=qemu+ssh://",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof same / sizeof *same; i++)
		check_uri(same[i], same[i]);
}

static void
test_hints(void **state)
{
	char buf[200];

	(void)state;
	lv_connect_hint("qemu+ssh://root@198.18.150.11/system",
	    "Cannot recv data: Host key verification failed.: Connection reset by peer",
	    buf, sizeof buf);
	assert_non_null(strstr(buf, "ssh-keyscan 198.18.150.11 >> ~/.ssh/known_hosts"));
	lv_connect_hint("qemu+libssh2://h1:2222/system?known_hosts=/lab/kh",
	    "SSH transport error: the host key is not trusted", buf, sizeof buf);
	assert_non_null(strstr(buf, "ssh-keyscan -p 2222 h1 >> /lab/kh"));
	lv_connect_hint("qemu+ssh://root@198.18.150.11/system",
	    "Cannot recv data: root@198.18.150.11: Permission denied "
	    "(publickey,password).: Connection reset by peer", buf, sizeof buf);
	assert_non_null(strstr(buf, "ssh-copy-id root@198.18.150.11"));
	lv_connect_hint("qemu+ssh://h1:2222/system",
	    "authentication failed: Failed to collect auth credentials",
	    buf, sizeof buf);
	assert_non_null(strstr(buf, "ssh-copy-id -p 2222 h1"));
	/* no hint: other transports, other errors */
	lv_connect_hint("qemu+tcp://h1/system",
	    "authentication failed: Failed to collect auth credentials",
	    buf, sizeof buf);
	assert_string_equal(buf, "");
	lv_connect_hint("qemu+ssh://h1/system",
	    "Cannot recv data: ssh: connect to host h1 port 22: Connection refused",
	    buf, sizeof buf);
	assert_string_equal(buf, "");
	/* a small buffer is cut, terminated */
	lv_connect_hint("qemu+ssh://root@h1/system", "Permission denied", buf, 8);
	assert_int_equal(strlen(buf), 7);
}

static void
test_open_test_driver(void **state)
{
	char err[256] = "x";
	virConnectPtr c;

	(void)state;
	c = lv_connect_open("test:///default", err, sizeof err);
	assert_non_null(c);
	assert_string_equal(err, "");	/* no keepalive there: not an error */
	virConnectClose(c);
}

/* ssh to a port nobody listens on: fails at once, libvirt's message. */
static void
test_open_ssh_fails_at_once(void **state)
{
	char err[256];
	virConnectPtr c;
	double t0;

	(void)state;
	t0 = monotime_now();
	c = lv_connect_open("qemu+ssh://nobody@127.0.0.1:1/system", err,
	    sizeof err);
	assert_null(c);
	assert_true(monotime_now() - t0 < 5.0);
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_ssh_gets_no_tty),
		cmocka_unit_test(test_uri_no_tty_not_duplicated),
		cmocka_unit_test(test_uri_other_transports_untouched),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_open_test_driver),
		cmocka_unit_test(test_open_ssh_fails_at_once),
	};

	return TAP_RUN(tests);
}
