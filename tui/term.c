/*
 * term.c - terminal manners: curses set up and restored on every way
 * out (normal return, exit(), SIGINT/SIGTERM/SIGQUIT, SIGHUP once the
 * terminal is gone, and fatal signals,
 * which restore the terminal and then die as they would have), UTF-8
 * only when the locale says so, NO_COLOR, and a self-pipe so the main
 * loop's poll() wakes for signals. SIGHUP with the terminal still there
 * is a reload (term_hup_take), not a stop.
 *
 * The terminal is checked before anything starts (term_check: TERM set,
 * known to terminfo, able to move the cursor), and curses is started with
 * newterm(), which returns on failure where initscr() would print its own
 * message and exit.
 */
#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <poll.h>
#include <unistd.h>

#include "term.h"

static volatile sig_atomic_t term_active;
static volatile sig_atomic_t term_stop_flag;
static volatile sig_atomic_t term_hup_flag;
static int term_pipe[2] = { -1, -1 };

static void
term_restore(void)
{
	if (term_active) {
		term_active = 0;
		endwin();
	}
}

static void
term_on_stop(int sig)
{
	int saved = errno;

	(void)sig;
	term_stop_flag = 1;
	if (term_pipe[1] >= 0)
		(void)!write(term_pipe[1], "s", 1);
	errno = saved;
}

static void
term_on_hup(int sig)
{
	int saved = errno;

	(void)sig;
	term_hup_flag = 1;
	if (term_pipe[1] >= 0)
		(void)!write(term_pipe[1], "h", 1);
	errno = saved;
}

/* Is the terminal still there? A hung-up tty fails its ioctls (EIO) and
 * polls as POLLHUP. */
static bool
term_alive(void)
{
	struct termios tio;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

	if (tcgetattr(STDIN_FILENO, &tio) != 0 ||
	    tcgetattr(STDOUT_FILENO, &tio) != 0)
		return false;
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
		return false;
	return true;
}

bool
term_hup_take(void)
{
	if (!term_hup_flag)
		return false;
	term_hup_flag = 0;
	if (term_alive())
		return true;
	term_stop_flag = 1;
	return false;
}

/* A fatal signal: give the terminal back, then die of it. */
static void
term_on_fatal(int sig)
{
	if (term_active) {
		term_active = 0;
		endwin();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* TERM as it may be printed: at most 64 bytes, anything but printable
 * ASCII as \xHH. */
static void
term_name(const char *term, char *out, size_t outlen)
{
	size_t n = 0, i;

	out[0] = '\0';
	for (i = 0; term[i] != '\0' && i < 64 && n + 5 < outlen; i++) {
		unsigned char c = (unsigned char)term[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, outlen - n, "\\x%02x", c);
	}
	if (term[i] != '\0' && n + 4 < outlen)
		n += (size_t)snprintf(out + n, outlen - n, "...");
	out[n] = '\0';
}

int
term_check(char *err, size_t errlen)
{
	const char *term = getenv("TERM"), *why = NULL;
	char name[400];
	char *cup;
	int rc = 0;

	if (term == NULL || term[0] == '\0') {
		snprintf(err, errlen,
		    "terminal '': TERM is not set (use --headless, or set TERM)");
		return -1;
	}
	term_name(term, name, sizeof name);
	if (setupterm(term, STDOUT_FILENO, &rc) != OK) {
		why = rc == 1 ? "a hardcopy terminal, it cannot draw a screen" :
		    rc == -1 ? "no terminfo database was found" :
		    "unknown to terminfo, or too generic to draw a screen";
	} else {
		cup = tigetstr("cup");
		if (cup == NULL || cup == (char *)-1)
			why = "it cannot move the cursor, so it cannot draw the console";
		del_curterm(cur_term);
	}
	if (why == NULL)
		return 0;
	snprintf(err, errlen,
	    "terminal '%s': %s (use --headless, or set TERM)", name, why);
	return -1;
}

bool
term_utf8(bool ascii)
{
	const char *cs = nl_langinfo(CODESET);

	return !ascii && cs != NULL && strcmp(cs, "UTF-8") == 0;
}

int
term_start(struct term_caps *caps, bool ascii)
{
	static const int stops[] = { SIGINT, SIGTERM, SIGQUIT };
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	const char *nc = getenv("NO_COLOR");
	struct sigaction sa;
	size_t i;

	setlocale(LC_ALL, "");
	caps->utf8 = term_utf8(ascii);
	if (pipe2(term_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = term_on_stop;
	for (i = 0; i < sizeof stops / sizeof stops[0]; i++)
		sigaction(stops[i], &sa, NULL);
	sa.sa_handler = term_on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = term_on_fatal;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		sigaction(fatal[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atexit(term_restore);
	set_escdelay(25);
	if (newterm(NULL, stdout, stdin) == NULL)
		return -1;
	term_active = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	caps->color = has_colors() && (nc == NULL || nc[0] == '\0');
	return 0;
}

/*
 * On a one-column screen ncurses cannot write the lower-right cell when
 * the terminal wraps at the margin and cannot turn that off (it writes the
 * cell before it, column -1 here, and inserts a blank): the 1x1 screen
 * stays empty. Write the cell ourselves after doupdate() when that is
 * safe (no automatic margins, or the cursor stays put at the margin).
 */
void
term_put_corner(char c)
{
	char s[3] = { '\r', c, '\0' };

	if (!term_active || (auto_right_margin && !eat_newline_glitch))
		return;
	(void)!write(STDOUT_FILENO, s, 2);
}

void
term_end(void)
{
	term_restore();
	if (term_pipe[0] >= 0) {
		close(term_pipe[0]);
		close(term_pipe[1]);
		term_pipe[0] = term_pipe[1] = -1;
	}
}

int
term_signal_fd(void)
{
	char buf[16];

	while (read(term_pipe[0], buf, sizeof buf) > 0)
		;
	return term_pipe[0];
}

bool
term_stopped(void)
{
	return term_stop_flag != 0;
}
