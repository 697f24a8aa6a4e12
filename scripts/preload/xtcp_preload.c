// SPDX-License-Identifier: GPL-2.0
/*
 * libxtcp-preload.so: an LD_PRELOAD library that turns a program's TCP
 * sockets (AF_INET, SOCK_STREAM, protocol 0 or IPPROTO_TCP) into AF_XTCP
 * sockets, and makes everything the program can see look like TCP again.
 * Documentation/preload.rst describes it; scripts/preload/xtcp-run sets it up.
 *
 * Environment (read once, at the first intercepted call):
 *
 *   XTCP_PRELOAD_MATCH   unset, empty or "all": every TCP socket becomes
 *                        XTCP at socket(). Otherwise a list of PORT,
 *                        ADDR[/LEN] or ADDR[/LEN]:PORT items (comma or
 *                        space separated): a TCP socket stays TCP until its
 *                        first bind() or connect(), and is re-created as
 *                        XTCP there when the address matches an item.
 *                        "none": intercept nothing.
 *   XTCP_PRELOAD_STRICT  1: return XTCP's ENOPROTOOPT for an IPPROTO_TCP
 *                        option it does not implement. Default: such a
 *                        setsockopt() succeeds and does nothing.
 *   XTCP_PRELOAD_LOG     file to append one line per conversion and per
 *                        unimplemented option to.
 *   XTCP_PRELOAD_DEBUG   1: the same lines on stderr.
 *
 * Thread safety: the "all" mode keeps no state. The address-selected mode
 * keeps one small record per undecided socket (its inode, a deferred
 * bind address, the options set so far) in a table under one mutex, which
 * is never held across a call that can block.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "../../include/uapi/linux/xtcp.h"

#define SHIM_EXPORT __attribute__((visibility("default")))
#define SOCK_TYPE_MASK 0xf

/* The real libc functions, with their own prototypes. */
static struct {
	__typeof__(socket) *socket;
	__typeof__(bind) *bind;
	__typeof__(connect) *connect;
	__typeof__(accept) *accept;
	__typeof__(accept4) *accept4;
	__typeof__(getsockname) *getsockname;
	__typeof__(getpeername) *getpeername;
	__typeof__(recvfrom) *recvfrom;
	__typeof__(recvmsg) *recvmsg;
	__typeof__(setsockopt) *setsockopt;
	__typeof__(getsockopt) *getsockopt;
} real;

/* One item of XTCP_PRELOAD_MATCH. */
struct match {
	uint32_t net, mask;	/* host order; mask 0: any address */
	uint16_t port;		/* host order; 0: any port */
	bool has_addr;
};

#define MAX_MATCH 64
static struct match matches[MAX_MATCH];
static int nmatch;

enum mode { MODE_ALL, MODE_SELECT, MODE_NONE };
static enum mode mode = MODE_ALL;
static bool strict;
static bool debug;
static int logfd = -1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Options seen unimplemented, reported once each: [0] set, [1] get. */
static atomic_ullong unsupported_seen[2];
static atomic_bool fallback_warned;

static void note(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (logfd < 0 && !debug)
		return;
	n = snprintf(buf, sizeof(buf), "xtcp-preload[%d %s]: ", getpid(),
		     program_invocation_short_name);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (logfd >= 0 && write(logfd, buf, n) < 0)
		return;
	if (debug && write(STDERR_FILENO, buf, n) < 0)
		return;
}

/* ADDR[/LEN] in host order into m; false if it is not one. */
static bool parse_addr(const char *s, struct match *m)
{
	char a[32];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr in;
	long len = 32;
	char *end;

	if (n == 0 || n >= sizeof(a))
		return false;
	memcpy(a, s, n);
	a[n] = 0;
	if (inet_pton(AF_INET, a, &in) != 1)
		return false;
	if (slash) {
		len = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || len < 0 || len > 32)
			return false;
	}
	m->mask = len ? ~0u << (32 - len) : 0;
	m->net = ntohl(in.s_addr) & m->mask;
	m->has_addr = true;
	return true;
}

static bool parse_port(const char *s, struct match *m)
{
	char *end;
	long p = strtol(s, &end, 10);

	if (end == s || *end || p < 1 || p > 65535)
		return false;
	m->port = p;
	return true;
}

/* PORT | :PORT | ADDR[/LEN] | ADDR[/LEN]:PORT */
static bool parse_item(char *s, struct match *m)
{
	char *colon = strrchr(s, ':');

	memset(m, 0, sizeof(*m));
	if (!strchr(s, '.') && !strchr(s, '/'))
		return parse_port(colon ? colon + 1 : s, m);
	if (colon) {
		*colon = 0;
		if (!parse_port(colon + 1, m))
			return false;
	}
	return parse_addr(s, m);
}

static void parse_match(const char *env)
{
	char *copy, *tok, *save = NULL;

	if (!env || !*env || !strcmp(env, "all"))
		return;
	if (!strcmp(env, "none")) {
		mode = MODE_NONE;
		return;
	}
	mode = MODE_SELECT;
	copy = strdup(env);
	if (!copy)
		return;
	for (tok = strtok_r(copy, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		char item[64];

		snprintf(item, sizeof(item), "%s", tok);
		if (nmatch == MAX_MATCH || !parse_item(item, &matches[nmatch])) {
			dprintf(STDERR_FILENO,
				"xtcp-preload: ignoring XTCP_PRELOAD_MATCH item '%s'\n",
				tok);
			continue;
		}
		nmatch++;
	}
	free(copy);
}

static pthread_mutex_t cand_lock = PTHREAD_MUTEX_INITIALIZER;

static void fork_prepare(void)
{
	pthread_mutex_lock(&cand_lock);
}

static void fork_done(void)
{
	pthread_mutex_unlock(&cand_lock);
}

#define RESOLVE(name) (real.name = dlsym(RTLD_NEXT, #name))

static void init(void)
{
	const char *s;

	RESOLVE(socket);
	RESOLVE(bind);
	RESOLVE(connect);
	RESOLVE(accept);
	RESOLVE(accept4);
	RESOLVE(getsockname);
	RESOLVE(getpeername);
	RESOLVE(recvfrom);
	RESOLVE(recvmsg);
	RESOLVE(setsockopt);
	RESOLVE(getsockopt);

	s = getenv("XTCP_PRELOAD_STRICT");
	strict = s && *s == '1';
	s = getenv("XTCP_PRELOAD_DEBUG");
	debug = s && *s == '1';
	s = getenv("XTCP_PRELOAD_LOG");
	if (s && *s)
		logfd = open(s, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	parse_match(getenv("XTCP_PRELOAD_MATCH"));
	pthread_atfork(fork_prepare, fork_done, fork_done);
}

static inline void shim_init(void)
{
	pthread_once(&once, init);
}

__attribute__((constructor)) static void shim_ctor(void)
{
	shim_init();
}

/* The socket's real family, read past this library. */
static bool is_xtcp(int fd)
{
	int dom = 0;
	socklen_t len = sizeof(dom);

	return !real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) &&
	       dom == AF_XTCP;
}

/*
 * XTCP reports AF_XTCP in the addresses it returns; TCP reports AF_INET.
 * No other family uses 25, so any address carrying it came from XTCP.
 */
static void fix_family(struct sockaddr *sa, socklen_t len)
{
	if (sa && len >= sizeof(sa_family_t) && sa->sa_family == AF_XTCP)
		sa->sa_family = AF_INET;
}

/*
 * A socket() of TCP as XTCP. Without the family (xtcp.ko not loaded) the
 * program keeps TCP, with one warning: failing would only break it.
 */
static int xtcp_socket(int type, bool *fell_back)
{
	int fd = real.socket(AF_XTCP, type, 0);

	*fell_back = false;
	if (fd < 0 && errno == EAFNOSUPPORT) {
		*fell_back = true;
		if (!atomic_exchange(&fallback_warned, true))
			dprintf(STDERR_FILENO,
				"xtcp-preload: AF_XTCP not available (is xtcp.ko loaded?): using TCP\n");
	}
	return fd;
}

static bool match_addr(const struct sockaddr_in *sin, bool is_bind)
{
	uint32_t a = ntohl(sin->sin_addr.s_addr);
	uint16_t p = ntohs(sin->sin_port);
	int i;

	for (i = 0; i < nmatch; i++) {
		const struct match *m = &matches[i];

		if (m->port && m->port != p)
			continue;
		/* A wildcard bind listens on every address, listed ones too. */
		if (m->has_addr && (a & m->mask) != m->net &&
		    !(is_bind && a == INADDR_ANY))
			continue;
		return true;
	}
	return false;
}

/*
 * Address-selected mode: an AF_INET socket that has not yet been bound to
 * a listed address nor connected. Its options are recorded so that the
 * XTCP socket replacing it gets them too.
 */
#define CAND_OPTS 24
#define CAND_OPTLEN 32
struct cand_opt {
	int level, name;
	socklen_t len;
	unsigned char val[CAND_OPTLEN];
};

struct cand {
	dev_t dev;
	ino_t ino;		/* the socket this record is about */
	bool bound;		/* bound to an unlisted address, port 0 */
	struct sockaddr_in bound_addr;
	int nopts;
	struct cand_opt opts[CAND_OPTS];
};

static struct cand **cands;	/* by fd, under cand_lock */
static int ncands;

static bool fd_ident(int fd, dev_t *dev, ino_t *ino)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISSOCK(st.st_mode))
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}

static void cand_add(int fd)
{
	struct cand *c;
	dev_t dev;
	ino_t ino;

	if (fd < 0 || !fd_ident(fd, &dev, &ino))
		return;
	pthread_mutex_lock(&cand_lock);
	if (fd >= ncands) {
		int n = fd < 64 ? 128 : fd * 2;
		struct cand **p = realloc(cands, n * sizeof(*p));

		if (!p)
			goto out;
		memset(p + ncands, 0, (n - ncands) * sizeof(*p));
		cands = p;
		ncands = n;
	}
	c = cands[fd];
	if (!c) {
		c = malloc(sizeof(*c));
		if (!c)
			goto out;
		cands[fd] = c;
	}
	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->ino = ino;
out:
	pthread_mutex_unlock(&cand_lock);
}

/*
 * The record of fd, if it still describes the socket fd refers to: a
 * socket closed and its number reused (close() is not intercepted) has a
 * new inode, and its stale record is dropped. Caller holds cand_lock.
 */
static struct cand *cand_get(int fd)
{
	struct cand *c;
	dev_t dev;
	ino_t ino;

	if (fd < 0 || fd >= ncands || !cands[fd])
		return NULL;
	c = cands[fd];
	if (fd_ident(fd, &dev, &ino) && dev == c->dev && ino == c->ino)
		return c;
	free(c);
	cands[fd] = NULL;
	return NULL;
}

/* Caller holds cand_lock. */
static void cand_del(int fd)
{
	free(cands[fd]);
	cands[fd] = NULL;
}

/*
 * Put an XTCP socket in place of the TCP socket fd: same file flags, the
 * options set so far, the deferred bind, then dup3() over fd, so the
 * program's descriptor number never changes. Returns 0 (also when the
 * family is missing and fd stays TCP) or -1 with errno. Caller holds
 * cand_lock; nothing here blocks.
 */
static int cand_swap(int fd, struct cand *c)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	bool fell_back;
	int nfd, i, err;

	if (fl < 0 || fdfl < 0)
		return -1;
	nfd = xtcp_socket(SOCK_STREAM | SOCK_CLOEXEC |
			  ((fl & O_NONBLOCK) ? SOCK_NONBLOCK : 0), &fell_back);
	if (nfd < 0)
		return fell_back ? 0 : -1;
	for (i = 0; i < c->nopts; i++) {
		struct cand_opt *o = &c->opts[i];

		if (real.setsockopt(nfd, o->level, o->name, o->val, o->len))
			note("replaying setsockopt(%d, %d) on XTCP: %s",
			     o->level, o->name, strerror(errno));
	}
	if (c->bound && real.bind(nfd, (struct sockaddr *)&c->bound_addr,
				  sizeof(c->bound_addr)))
		goto fail;
	if (dup3(nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
		goto fail;
	close(nfd);
	return 0;
fail:
	err = errno;
	close(nfd);
	errno = err;
	return -1;
}

SHIM_EXPORT int socket(int domain, int type, int protocol)
{
	bool fell_back;
	int fd;

	shim_init();
	if (domain != AF_INET || (type & SOCK_TYPE_MASK) != SOCK_STREAM ||
	    (protocol != 0 && protocol != IPPROTO_TCP) || mode == MODE_NONE)
		return real.socket(domain, type, protocol);
	if (mode == MODE_ALL) {
		/* XTCP takes 0 or IPPROTO_XTCP; IPPROTO_TCP means "TCP" here. */
		fd = xtcp_socket(type, &fell_back);
		if (!fell_back) {
			if (fd >= 0)
				note("fd %d is XTCP", fd);
			return fd;
		}
		return real.socket(domain, type, protocol);
	}
	fd = real.socket(domain, type, protocol);
	cand_add(fd);
	return fd;
}

SHIM_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_in sin;
	struct cand *c;
	int ret;

	shim_init();
	if (mode != MODE_SELECT || !addr || len < sizeof(sin) ||
	    addr->sa_family != AF_INET)
		return real.bind(fd, addr, len);
	memcpy(&sin, addr, sizeof(sin));
	pthread_mutex_lock(&cand_lock);
	c = cand_get(fd);
	if (!c) {
		pthread_mutex_unlock(&cand_lock);
		return real.bind(fd, addr, len);
	}
	if (match_addr(&sin, true)) {
		ret = cand_swap(fd, c);
		cand_del(fd);
		pthread_mutex_unlock(&cand_lock);
		if (ret)
			return ret;
		note("fd %d is XTCP, local address %s:%u", fd,
		     inet_ntoa(sin.sin_addr), ntohs(sin.sin_port));
		return real.bind(fd, addr, len);
	}
	ret = real.bind(fd, addr, len);
	if (!ret && !sin.sin_port) {
		/*
		 * bind(ADDR, 0) before connect(): the destination decides.
		 * The TCP socket keeps the port until it is replaced.
		 */
		c->bound = true;
		c->bound_addr = sin;
		c->bound_addr.sin_port = 0;
	} else if (!ret) {
		cand_del(fd);	/* bound to an unlisted port: TCP for good */
	}
	pthread_mutex_unlock(&cand_lock);
	return ret;
}

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_in sin;
	struct cand *c;
	int ret = 0;
	bool swapped = false;

	shim_init();
	if (mode != MODE_SELECT || !addr || len < sizeof(sin) ||
	    addr->sa_family != AF_INET)
		return real.connect(fd, addr, len);
	memcpy(&sin, addr, sizeof(sin));
	pthread_mutex_lock(&cand_lock);
	c = cand_get(fd);
	if (c) {
		if (match_addr(&sin, false)) {
			ret = cand_swap(fd, c);
			swapped = !ret;
		}
		cand_del(fd);
	}
	pthread_mutex_unlock(&cand_lock);
	if (ret)
		return ret;
	if (swapped)
		note("fd %d is XTCP, peer %s:%u", fd,
		     inet_ntoa(sin.sin_addr), ntohs(sin.sin_port));
	return real.connect(fd, addr, len);
}

SHIM_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int ret;

	shim_init();
	ret = real.accept(fd, addr, len);
	if (ret >= 0 && len)
		fix_family(addr, *len);
	return ret;
}

SHIM_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len,
			int flags)
{
	int ret;

	shim_init();
	ret = real.accept4(fd, addr, len, flags);
	if (ret >= 0 && len)
		fix_family(addr, *len);
	return ret;
}

SHIM_EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	int ret;

	shim_init();
	ret = real.getsockname(fd, addr, len);
	if (!ret && len)
		fix_family(addr, *len);
	return ret;
}

SHIM_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	int ret;

	shim_init();
	ret = real.getpeername(fd, addr, len);
	if (!ret && len)
		fix_family(addr, *len);
	return ret;
}

SHIM_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
			     struct sockaddr *addr, socklen_t *len)
{
	ssize_t ret;

	shim_init();
	ret = real.recvfrom(fd, buf, n, flags, addr, len);
	if (ret >= 0 && len)
		fix_family(addr, *len);
	return ret;
}

SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t ret;

	shim_init();
	ret = real.recvmsg(fd, msg, flags);
	if (ret >= 0 && msg)
		fix_family(msg->msg_name, msg->msg_namelen);
	return ret;
}

static const char *tcp_opt_name(int name)
{
	switch (name) {
	case TCP_NODELAY: return "TCP_NODELAY";
	case TCP_MAXSEG: return "TCP_MAXSEG";
	case TCP_CORK: return "TCP_CORK";
	case TCP_KEEPIDLE: return "TCP_KEEPIDLE";
	case TCP_KEEPINTVL: return "TCP_KEEPINTVL";
	case TCP_KEEPCNT: return "TCP_KEEPCNT";
	case TCP_SYNCNT: return "TCP_SYNCNT";
	case TCP_LINGER2: return "TCP_LINGER2";
	case TCP_DEFER_ACCEPT: return "TCP_DEFER_ACCEPT";
	case TCP_WINDOW_CLAMP: return "TCP_WINDOW_CLAMP";
	case TCP_INFO: return "TCP_INFO";
	case TCP_QUICKACK: return "TCP_QUICKACK";
	case TCP_CONGESTION: return "TCP_CONGESTION";
	case TCP_USER_TIMEOUT: return "TCP_USER_TIMEOUT";
	case TCP_FASTOPEN: return "TCP_FASTOPEN";
	case TCP_NOTSENT_LOWAT: return "TCP_NOTSENT_LOWAT";
	case TCP_FASTOPEN_CONNECT: return "TCP_FASTOPEN_CONNECT";
	default: return "?";
	}
}

/* Report an IPPROTO_TCP option XTCP lacks, once per option and direction. */
static void note_unsupported(int set, int name)
{
	unsigned long long bit = 1ULL << (name & 63);

	if (atomic_fetch_or(&unsupported_seen[set], bit) & bit)
		return;
	note("unsupported: %ssockopt(IPPROTO_TCP, %s=%d)%s", set ? "set" : "get",
	     tcp_opt_name(name), name,
	     set && !strict ? ": ignored, reported success" : "");
}

static void cand_record_opt(int fd, int level, int name, const void *val,
			    socklen_t len)
{
	struct cand *c;

	if (len > CAND_OPTLEN || (len && !val))
		return;
	pthread_mutex_lock(&cand_lock);
	c = cand_get(fd);
	if (c) {
		struct cand_opt *o = NULL;
		int i;

		/* A later value of the same option replaces the earlier one. */
		for (i = 0; i < c->nopts; i++)
			if (c->opts[i].level == level && c->opts[i].name == name)
				o = &c->opts[i];
		if (!o && c->nopts < CAND_OPTS)
			o = &c->opts[c->nopts++];
		if (o) {
			o->level = level;
			o->name = name;
			o->len = len;
			memcpy(o->val, val, len);
		} else {
			note("socket %d: too many options to replay", fd);
		}
	}
	pthread_mutex_unlock(&cand_lock);
}

SHIM_EXPORT int setsockopt(int fd, int level, int name, const void *val,
			   socklen_t len)
{
	int ret, err;

	shim_init();
	ret = real.setsockopt(fd, level, name, val, len);
	err = errno;
	if (!ret && mode == MODE_SELECT)
		cand_record_opt(fd, level, name, val, len);
	if (ret && err == ENOPROTOOPT && level == IPPROTO_TCP && is_xtcp(fd)) {
		note_unsupported(1, name);
		if (!strict)
			return 0;
	}
	errno = err;
	return ret;
}

SHIM_EXPORT int getsockopt(int fd, int level, int name, void *val,
			   socklen_t *len)
{
	int ret, err;

	shim_init();
	ret = real.getsockopt(fd, level, name, val, len);
	err = errno;
	if (ret) {
		if (err == ENOPROTOOPT && level == IPPROTO_TCP && is_xtcp(fd))
			note_unsupported(0, name);
		errno = err;
		return ret;
	}
	if (level != SOL_SOCKET || !val || !len || *len < sizeof(int))
		return ret;
	if (name == SO_DOMAIN && *(int *)val == AF_XTCP)
		*(int *)val = AF_INET;
	else if (name == SO_PROTOCOL && is_xtcp(fd))
		*(int *)val = IPPROTO_TCP;
	errno = err;
	return ret;
}
