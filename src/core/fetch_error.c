/* fetch_error: what a client is told when curl could not fetch the upstream. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>

#include <curl/curl.h>

#include "core/fetch.h"

/* The status (502 or 504) and reason for a curl result rc of easy. */
int
fetch_error_map(CURLcode rc, CURL *easy, const struct fetch_settings *s,
    const char *curl_error, char *why, size_t len)
{
	const char	*detail;
	curl_off_t	 connected = 0;
	long		 oserr = 0;
	int		 status = 502;

	detail = curl_error[0] != '\0' ? curl_error : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		if (easy != NULL)
			curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connected);
		status = 504;
		if (connected == 0)
			snprintf(why, len, "upstream connect timed out after %u ms",
			    s->connect_timeout_ms);
		else
			snprintf(why, len, "upstream timed out after %u ms",
			    s->timeout_ms);
		break;
	case CURLE_COULDNT_CONNECT:
		if (easy != NULL)
			curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == ECONNREFUSED)
			snprintf(why, len, "upstream refused the connection");
		else
			snprintf(why, len, "could not connect to upstream: %s", detail);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(why, len, "could not resolve host: %s", detail);
		break;
	case CURLE_FILESIZE_EXCEEDED:
		snprintf(why, len, "upstream body larger than %llu bytes", s->body_max);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		snprintf(why, len, "upstream sent a malformed response");
		break;
	case CURLE_GOT_NOTHING:
		snprintf(why, len, "upstream closed the connection without a response");
		break;
	case CURLE_PARTIAL_FILE:
		snprintf(why, len, "upstream closed the connection mid-body");
		break;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		snprintf(why, len, "connection to upstream failed: %s", detail);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(why, len, "TLS verification failed: %s", detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
		snprintf(why, len, "TLS failed: %s", detail);
		break;
	default:
		snprintf(why, len, "upstream failed: %s", detail);
		break;
	}
	return (status);
}
