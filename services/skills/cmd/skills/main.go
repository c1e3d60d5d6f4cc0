// Command skills runs the skills service alone, against NATS_URL and MONGO_URI.
package main

import (
	"os"

	"onramp.dev/infra/standalone"
	"onramp.dev/services/skills/server"
)

func main() {
	os.Exit(standalone.Run("skills", "skills", func(d standalone.Deps) (standalone.Main, error) {
		return server.New(d.NATS, d.DB, d.Logger, server.Config{})
	}))
}
