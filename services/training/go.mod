module onramp.dev/services/training

go 1.26
