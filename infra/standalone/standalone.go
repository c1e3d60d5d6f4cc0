// Package standalone runs one Onramp service as its own process: it reads NATS_URL and
// MONGO_URI from the environment, connects, runs the service's Main until SIGINT or
// SIGTERM, and shuts it down cleanly.
package standalone

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/infra/bus"
	"onramp.dev/infra/store"
)

// Main is what every service provides.
type Main interface {
	Run(ctx context.Context) error
	Close() error
}

// Deps are the connections a service is built on.
type Deps struct {
	NATS   *nats.Conn
	DB     *mongo.Database // nil for services without a store (web)
	Logger *slog.Logger
}

// Run connects and runs the service built by build; database names the service's own
// database ("" for none). It returns the process exit code.
func Run(name, database string, build func(Deps) (Main, error)) int {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("service", name)
	if err := run(name, database, logger, build); err != nil {
		logger.Error("stopped", "err", err)
		return 1
	}
	return 0
}

func run(name, database string, logger *slog.Logger, build func(Deps) (Main, error)) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	natsURL := os.Getenv("NATS_URL")
	if natsURL == "" {
		return fmt.Errorf("NATS_URL is not set (e.g. nats://127.0.0.1:4222; `go run ./tools/onramp infra` prints it)")
	}
	nc, err := bus.Connect(natsURL, "onramp-"+name)
	if err != nil {
		return err
	}
	defer nc.Drain()
	deps := Deps{NATS: nc, Logger: logger}
	if database != "" {
		uri := os.Getenv("MONGO_URI")
		if uri == "" {
			return fmt.Errorf("MONGO_URI is not set (e.g. mongodb://127.0.0.1:27017/)")
		}
		mc, err := store.Connect(ctx, uri)
		if err != nil {
			return err
		}
		defer mc.Disconnect(context.WithoutCancel(ctx))
		deps.DB = mc.Database(database)
	}
	m, err := build(deps)
	if err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		return err
	}
	logger.Info("running")
	<-ctx.Done()
	logger.Info("shutting down")
	return m.Close()
}
