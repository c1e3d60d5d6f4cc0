module onramp.dev/services/web

go 1.26
