module onramp.dev/services/onboarding

go 1.26
