/*
 * libFuzzer target for what a role accepts over IPC: the message decoder
 * for every (receiver, sender, state, fd count), the CONFIG payload a
 * role parses (which includes conf_unpack), the INSPECTED payload the
 * master takes from the inspect role (dcf_unpack), the requests auth
 * takes from workers (authmsg_parse), and the SYNC_FILES payload the
 * master takes from the sync role (syncmsg_files_parse).  The first two
 * bytes choose the link; the rest is the datagram.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authmsg.h"
#include "dcf.h"
#include "ipc.h"
#include "log.h"
#include "role.h"
#include "syncmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int states[] = { S_START, S_RUN, S_DRAIN };
	struct role_config rc;
	struct ipc_msg m;
	char why[160];
	enum role self, peer;
	int state, nfds;

	if (size < 2)
		return 0;
	log_init("fuzz", LOG_LVL_ERROR);
	self = (enum role)(data[0] % ROLE_MAX);
	peer = (enum role)((data[0] >> 2) % ROLE_MAX);
	state = states[(data[0] >> 4) % 3];
	nfds = data[1] % (IPC_MAX_FDS + 2);
	if (ipc_decode(self, peer, state, data + 2, size - 2, nfds, &m, why,
	    sizeof(why)) != 0)
		return 0;
	if (m.type == IPC_CONFIG && role_config_parse(&m.payload, &rc) == 0)
		role_config_release(&rc);
	if (m.type == IPC_INSPECTED) {
		struct dcf d;
		uint64_t job;
		uint8_t ok;
		char *err = NULL;

		if (buf_get_u64(&m.payload, &job) == 0 &&
		    buf_get_u8(&m.payload, &ok) == 0 &&
		    buf_get_str(&m.payload, &err, 1024) == 0 &&
		    dcf_unpack(&m.payload, &d) == 0)
			dcf_free(&d);
		free(err);
	}
	if (m.type == IPC_SYNC_FILES) {
		struct syncmsg_files sf;
		char *repo = NULL;
		uint32_t i;

		if (buf_get_str(&m.payload, &repo, 79) == 0 &&
		    syncmsg_files_parse(&m.payload, nfds, &sf) == 0) {
			for (i = 0; i < sf.n; i++)
				if ((strlen(sf.md5[i]) != 0 && strlen(sf.md5[i]) != 32) ||
				    (strlen(sf.sha256[i]) != 0 && strlen(sf.sha256[i]) != 64))
					abort();
			syncmsg_files_free(&sf);
		}
		free(repo);
	}
	if (m.type == IPC_AUTH_REQ || m.type == IPC_AUTH_REP) {
		struct authmsg am;
		unsigned i;

		if (authmsg_parse(&m.payload, &am) == 0) {
			if (am.n > AUTHMSG_MAX_ARGS)
				abort();
			for (i = 0; i < am.n; i++)
				if (am.arg[i][am.len[i]] != '\0')
					abort();
			authmsg_free(&am);
		}
	}
	return 0;
}
