// Command mentorship runs the mentorship service alone, against NATS_URL and MONGO_URI.
package main

import (
	"os"

	"onramp.dev/infra/standalone"
	"onramp.dev/services/mentorship/server"
)

func main() {
	os.Exit(standalone.Run("mentorship", "mentorship", func(d standalone.Deps) (standalone.Main, error) {
		return server.New(d.NATS, d.DB, d.Logger, server.Config{})
	}))
}
