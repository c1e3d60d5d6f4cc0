// Command onboarding runs the onboarding service alone, against NATS_URL and MONGO_URI.
package main

import (
	"os"

	"onramp.dev/infra/standalone"
	"onramp.dev/services/onboarding/server"
)

func main() {
	os.Exit(standalone.Run("onboarding", "onboarding", func(d standalone.Deps) (standalone.Main, error) {
		return server.New(d.NATS, d.DB, d.Logger, server.Config{})
	}))
}
