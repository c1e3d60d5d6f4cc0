module onramp.dev/services/mentorship

go 1.26
