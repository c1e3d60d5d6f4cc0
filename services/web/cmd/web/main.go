// Command web runs Onramp's web front end alone, against NATS_URL.
package main

import (
	"cmp"
	"os"

	"onramp.dev/infra/standalone"
	"onramp.dev/services/web"
)

func main() {
	os.Exit(standalone.Run("web", "", func(d standalone.Deps) (standalone.Main, error) {
		return web.New(d.NATS, d.Logger, web.Config{
			Addr: cmp.Or(os.Getenv("ONRAMP_ADDR"), "127.0.0.1:8080"), ProtoHeader: os.Getenv("ONRAMP_PROTO_HEADER"),
		}), nil
	}))
}
