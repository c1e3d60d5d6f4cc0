module onramp.dev/events

go 1.26
