// Command identity runs the identity service alone, against NATS_URL and MONGO_URI.
package main

import (
	"os"

	"onramp.dev/infra/standalone"
	"onramp.dev/services/identity/server"
)

func main() {
	os.Exit(standalone.Run("identity", "identity", func(d standalone.Deps) (standalone.Main, error) {
		return server.New(d.NATS, d.DB, d.Logger, server.Config{
			LogLinks: os.Getenv("ONRAMP_LOG_LINKS") == "1",
			BaseURL:  os.Getenv("ONRAMP_BASE_URL"),
		})
	}))
}
