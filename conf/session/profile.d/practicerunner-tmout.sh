# /etc/profile.d/practicerunner-tmout.sh
# Interactive shells end after the inactivity limit of the sign-in's
# assurance level, which pam_practicerunner's session phase exports as
# PRACTICERUNNER_IDLE_LIMIT (seconds). TMOUT is made read-only so the shell
# cannot simply switch it off; it is a convention, not a security boundary
# (a user can start a shell that ignores it). Login shells read this file;
# for terminal windows of a desktop session, source it from /etc/bash.bashrc
# too. See pam_practicerunner(8).
case $- in
*i*)
	case ${PRACTICERUNNER_IDLE_LIMIT:-} in
	'' | *[!0-9]*) ;;
	*)
		# a shell that already has it read-only (this file read twice) keeps it
		if [ "${TMOUT:-}" != "$PRACTICERUNNER_IDLE_LIMIT" ]; then
			TMOUT=$PRACTICERUNNER_IDLE_LIMIT
		fi
		readonly TMOUT
		;;
	esac
	;;
esac
