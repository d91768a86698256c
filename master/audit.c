#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "log.h"

static int audit_fd = -1;

int
audit_open(const char *data_dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/audit.log", data_dir);
	audit_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (audit_fd == -1) {
		log_error("audit: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
json_str(struct buf *b, const char *s)
{
	buf_put_u8(b, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			buf_putf(b, "\\%c", ch);
		else if (ch < 0x20)
			buf_putf(b, "\\u%04x", ch);
		else
			buf_put_u8(b, ch);
	}
	buf_put_u8(b, '"');
}

void
audit_event(const char *event, const char *role, pid_t pid, const char *detail)
{
	struct buf b;
	char ts[32];
	struct tm tm;
	time_t now = time(NULL);

	log_warn("audit: %s: %s[%d]: %s", event, role, (int)pid, detail);
	if (audit_fd == -1)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_init(&b, 4096);
	buf_putf(&b, "{\"time\":\"%s\",\"event\":", ts);
	json_str(&b, event);
	buf_putf(&b, ",\"role\":");
	json_str(&b, role);
	buf_putf(&b, ",\"pid\":%d,\"detail\":", (int)pid);
	json_str(&b, detail);
	buf_putf(&b, "}\n");
	if (write(audit_fd, buf_ptr(&b), buf_avail(&b)) != (ssize_t)buf_avail(&b)
	    || fsync(audit_fd) == -1)
		log_error("audit: write failed: %s", strerror(errno));
	buf_release(&b);
}

void
audit_close(void)
{
	if (audit_fd != -1)
		close(audit_fd);
	audit_fd = -1;
}
