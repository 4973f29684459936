#!/bin/bash
# sshd_gateway.sh with the release module and practicerunner-authorized-keys
# at the gateway, and the keys shown by the hidshim as hidraw devices to
# Debian's ssh and ssh-keygen (doc/ARCHITECTURE.md §10.2.1).
PR_GATEWAY_BUILD=release exec bash "$top_srcdir/tests/integration/sshd_gateway.sh" "$@"
