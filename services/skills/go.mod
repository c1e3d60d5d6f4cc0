module onramp.dev/services/skills

go 1.26.0
