# Manual pages, installed and distributed.
dist_man_MANS += man/pam_practicerunner.8 man/practicerunner-admin.8 man/practicerunner.conf.5 \
	man/practicerunner-enroll.1 man/practicerunner-recover.1 man/practicerunner-verify.8 \
	man/practicerunner-authorized-keys.8 man/practicerunner-webgate.8
dist_man_MANS += man/practicerunner-openvpn.8
