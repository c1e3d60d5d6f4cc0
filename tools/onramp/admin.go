package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/devstack"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/store"
	"onramp.dev/tools/portal"
)

// The services whose documents are a projection of their stream, by database name.
var projected = []string{"identity", "onboarding", "training", "skills", "mentorship", "notify"}

// runRebuild forgets the chosen services' snapshots and store checkpoints, so their models
// are replayed from the whole stream and every document rewritten. On the embedded engines
// (the portal stopped) it does the rebuild itself and reports how long it took; against
// NATS_URL and MONGO_URI it prepares it, and the services rebuild when they restart.
func runRebuild(ctx context.Context, args []string, out io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("onramp rebuild", flag.ContinueOnError)
	data := fs.String("data", cmp.Or(os.Getenv("ONRAMP_DATA"), "data"), "data directory of the embedded engines (env ONRAMP_DATA)")
	which := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") { // onramp rebuild all -data dir
		which, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	which = cmp.Or(which, fs.Arg(0))
	var chosen []string
	switch {
	case which == "all":
		chosen = projected
	case slices.Contains(projected, which):
		chosen = []string{which}
	default:
		return fmt.Errorf("usage: onramp rebuild <%s|all> [-data dir]", strings.Join(projected, "|"))
	}
	forget := func(js jetstream.JetStream, mc *mongo.Client) error {
		for _, svc := range chosen {
			for _, st := range events.Streams { // identity has two: IDENTITY and SESSIONS
				if st.Service() != svc {
					continue
				}
				stream := st.Name
				if err := eventlog.Forget(ctx, js, stream, store.NewCheckpoint(mc.Database(svc), stream)); err != nil {
					return err
				}
				last, err := bus.StreamLastSeq(ctx, js, stream)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "%s: %s snapshot and store checkpoint forgotten; %d events to replay\n", svc, stream, last)
			}
		}
		return nil
	}
	if url := os.Getenv("NATS_URL"); url != "" {
		nc, err := bus.Connect(url, "onramp-rebuild")
		if err != nil {
			return err
		}
		defer nc.Close()
		mc, err := store.Connect(ctx, os.Getenv("MONGO_URI"))
		if err != nil {
			return err
		}
		defer mc.Disconnect(context.WithoutCancel(ctx))
		js, _ := jetstream.New(nc)
		if err := forget(js, mc); err != nil {
			return err
		}
		fmt.Fprintln(out, "Restart those services: each replays its stream and rewrites its documents as it starts.")
		return nil
	}

	s, err := devstack.Start(ctx, devstack.Config{Dir: *data, Logger: logger})
	if err != nil {
		return err
	}
	nc, err := s.Connect()
	if err != nil {
		s.Close()
		return err
	}
	mc, err := store.Connect(ctx, s.StoreURI())
	if err == nil {
		js, _ := jetstream.New(nc)
		err = forget(js, mc)
		_ = mc.Disconnect(context.WithoutCancel(ctx))
	}
	nc.Close()
	s.Close()
	if err != nil {
		return err
	}
	// Start the portal on the same data: each chosen service replays its whole stream;
	// closing it writes every document and the checkpoint.
	began := time.Now()
	p, err := startOffline(ctx, *data, logger)
	if err != nil {
		return err
	}
	replayed := time.Since(began)
	if err := p.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "Rebuilt %s: models replayed and ready in %v; every document written by %v.\n",
		strings.Join(chosen, ", "), replayed.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	return nil
}

// runKeysRotate makes identity sign with a new key from now on.
func runKeysRotate(ctx context.Context, args []string, out io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("onramp keys rotate", flag.ContinueOnError)
	data := fs.String("data", cmp.Or(os.Getenv("ONRAMP_DATA"), "data"), "data directory of the embedded engines (env ONRAMP_DATA)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var nc *nats.Conn
	if url := os.Getenv("NATS_URL"); url != "" {
		var err error
		if nc, err = bus.Connect(url, "onramp-keys"); err != nil {
			return err
		}
		defer nc.Close()
	} else {
		p, err := startOffline(ctx, *data, logger)
		if err != nil {
			return err
		}
		defer p.Close()
		nc = p.NATS
	}
	keys, err := rpc.Do(ctx, nc, identityapi.OpKeysRotate, rpc.Caller{System: true}, events.None{})
	if err != nil {
		return err
	}
	if len(keys.Keys) == 0 {
		return errors.New("identity answered without a key")
	}
	fmt.Fprintf(out, "New signing key %s; tokens signed with the previous keys stay valid until they expire.\n", keys.Keys[0].KID)
	return nil
}

// startOffline runs the portal on data with the web server on a private port (for the
// admin commands, while the portal itself is stopped).
func startOffline(ctx context.Context, data string, logger *slog.Logger) (*portal.Portal, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p, err := portal.Start(ctx, portal.Config{Dir: data, Listener: ln, Addr: ln.Addr().String(), Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("%w (is the portal still running on %s?)", err, data)
	}
	return p, nil
}
