/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xl domxml: a domain's description as libvirt domain XML. */
#include <stdio.h>
#include <stdlib.h>
#include "xl.h"

int main_domxml(int argc, char **argv)
{
	hv_domain_config cfg;
	const char *file = NULL, *what;
	uint32_t domid;
	char *xml = NULL;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "f:")) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case XL_HELP:
			return xl_help("domxml");
		default:
			return XL_USAGE;
		}
	}
	if (file ? optind != argc : optind + 1 != argc)
		return xl_usage("domxml", file ? "-f takes no domain" : "give one domain, or -f FILE");
	if (file) {
		/* a file's description, checked as one a domain was made of */
		what = file;
		hv_domain_config_init(&cfg);
		rc = xl_config_read(file, &cfg);
		if (!rc) {
			xl_error_mark();
			rc = hv_config_validate(xl_ctx, &cfg, 0);
			if (rc)
				rc = xl_error(rc, "%s: invalid config", file);
		}
	} else {
		what = argv[optind];
		rc = xl_config_of("domxml", argv[optind], &domid, &cfg);
	}
	if (rc)
		goto out;
	xl_error_mark();
	rc = hv_domain_config_to_xml(xl_ctx, &cfg, &xml);
	if (rc) {
		rc = xl_error(rc, "%s: cannot write the description as libvirt XML", what);
		goto out;
	}
	fputs(xml, stdout);
	if (fflush(stdout) || ferror(stdout))
		rc = xl_error(HV_ERROR_IO, "domxml: cannot write to standard output");
out:
	free(xml);
	hv_domain_config_dispose(&cfg);
	return rc;
}
