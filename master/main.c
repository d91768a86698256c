/*
 * airlockd: one binary for every role.  Run plainly it is the master;
 * the master re-executes it with "-R ROLE" for each child, so every role
 * starts from a fresh address space and inherits nothing but its socket.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf.h"
#include "ipc.h"
#include "log.h"
#include "master.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: airlockd [-dtTv] [-f config_file] [-o key=value]...\n");
	exit(2);
}

/* A role is only ever started by the master, with a SEQPACKET on IPC_FD. */
static void
check_role_fd(const char *role)
{
	int type;
	socklen_t len = sizeof(type);

	if (getsockopt(IPC_FD, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_SEQPACKET) {
		fprintf(stderr, "airlockd: -R %s is for airlockd's own use: "
		    "roles are started by the master\n", role);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct master_opts o;
	struct airlock_conf *conf;
	const char *role = NULL;
	int ch, test = 0, dump = 0;

	memset(&o, 0, sizeof(o));
	o.conf_path = AIRLOCK_CONF_FILE;
	if ((o.overrides = calloc((size_t)argc, sizeof(char *))) == NULL)
		return 1;
	while ((ch = getopt(argc, argv, "df:o:R:tTv")) != -1) {
		switch (ch) {
		case 'd':
			o.debug = 1;
			break;
		case 'f':
			o.conf_path = optarg;
			break;
		case 'o':
			o.overrides[o.noverrides++] = optarg;
			break;
		case 'R':
			role = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'T':
			dump = 1;
			break;
		case 'v':
			printf("airlockd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (role != NULL) {
		check_role_fd(role);
		switch (role_parse(role)) {
		case ROLE_WORKER:
			return worker_main();
		case ROLE_AUTH:
			return auth_main();
		case ROLE_SYNC:
			return sync_main();
		case ROLE_INSPECT:
			return inspect_main();
		case ROLE_KEYS:
			return keys_main();
		default:
			fprintf(stderr, "airlockd: unknown role %s\n", role);
			return 2;
		}
	}

	log_init("airlockd", o.debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if ((conf = master_load_conf(&o)) == NULL)
		return 1;
	if (dump) {
		conf_dump(conf, STDOUT_FILENO);
		conf_free(conf);
		return 0;
	}
	if (test) {
		fprintf(stderr, "%s: configuration OK\n", o.conf_path);
		conf_free(conf);
		return 0;
	}
	return master_main(&o, conf);
}
