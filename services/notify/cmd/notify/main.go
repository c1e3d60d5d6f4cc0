// Command notify runs the notify service alone, against NATS_URL and MONGO_URI. Mail goes
// to ONRAMP_SMTP_URL (see the README); without it, it is kept in the process and logged.
package main

import (
	"os"

	"onramp.dev/infra/standalone"
	"onramp.dev/services/notify/server"
)

func main() {
	os.Exit(standalone.Run("notify", "notify", func(d standalone.Deps) (standalone.Main, error) {
		return server.New(d.NATS, d.DB, d.Logger, server.Config{})
	}))
}
