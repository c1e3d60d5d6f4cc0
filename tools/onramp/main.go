// Command onramp runs the whole Onramp portal in one process — embedded NATS with
// JetStream, embedded FerretDB, every service and the web server — or, as `onramp infra`,
// only the two engines, for running the services as separate processes.
//
//	go run ./tools/onramp [-addr 127.0.0.1:8080] [-data ./data] [-demo]
//	go run ./tools/onramp infra [-data ./data] [-nats 127.0.0.1:4222] [-store 127.0.0.1:27017]
//	go run ./tools/onramp seed        (seeds the demo organisation over NATS_URL)
//	go run ./tools/onramp rebuild <service|all> [-data ./data]
//	go run ./tools/onramp keys rotate [-data ./data]
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/infra/bus"
	"onramp.dev/infra/devstack"
	"onramp.dev/tools/demo"
	"onramp.dev/tools/portal"
)

const defaultDemoPassword = "onramp-demo"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "infra":
		err = runInfra(ctx, os.Args[2:], os.Stdout, logger)
	case len(os.Args) > 1 && os.Args[1] == "seed":
		err = runSeed(ctx, os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "rebuild":
		err = runRebuild(ctx, os.Args[2:], os.Stdout, logger)
	case len(os.Args) > 2 && os.Args[1] == "keys" && os.Args[2] == "rotate":
		err = runKeysRotate(ctx, os.Args[3:], os.Stdout, logger)
	default:
		err = runPortal(ctx, os.Args[1:], os.Stdout, logger)
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "onramp:", err)
		os.Exit(1)
	}
}

func runPortal(ctx context.Context, args []string, out io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("onramp", flag.ContinueOnError)
	addr := fs.String("addr", cmp.Or(os.Getenv("ONRAMP_ADDR"), "127.0.0.1:8080"), "web address (env ONRAMP_ADDR)")
	data := fs.String("data", cmp.Or(os.Getenv("ONRAMP_DATA"), "data"), "data directory of the embedded engines (env ONRAMP_DATA)")
	demoFlag := fs.Bool("demo", os.Getenv("ONRAMP_DEMO") == "1", "seed the demo organisation and print its logins (env ONRAMP_DEMO=1)")
	natsAddr := fs.String("nats", os.Getenv("ONRAMP_NATS_ADDR"), "also let the embedded NATS listen on this loopback address, and print NATS_URL for the admin user (env ONRAMP_NATS_ADDR; port 0: any)")
	debugAddr := fs.String("debug", os.Getenv("ONRAMP_DEBUG_ADDR"), "serve Go's profiles (/debug/pprof/) on this loopback address; off when empty (env ONRAMP_DEBUG_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *natsAddr != "" && !loopback(*natsAddr) {
		return fmt.Errorf("-nats %s: the embedded NATS listens on loopback only", *natsAddr)
	}
	if *debugAddr != "" {
		stop, err := serveDebug(*debugAddr, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	password := os.Getenv("ONRAMP_DEMO_PASSWORD")
	if *demoFlag && password == "" && !loopback(*addr) {
		return fmt.Errorf("-demo on the non-loopback address %s would publish well-known passwords; set ONRAMP_DEMO_PASSWORD to choose one", *addr)
	}
	password = cmp.Or(password, defaultDemoPassword)

	start := time.Now()
	// A start decodes every service's snapshot and replays what came after it: hundreds of
	// megabytes allocated at 10,000 staff, most of it kept. At the default GOGC the
	// collector ran again and again over that growing heap, a sixth of the start's CPU on a
	// 2-core machine; collect at 400 % growth until ready (the lower setting below follows).
	// The memory limit keeps that headroom from growing without end on a whole replay (it
	// makes the collector run more often as the heap nears it).
	gogc := os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == ""
	if gogc {
		debug.SetGCPercent(400)
		debug.SetMemoryLimit(startMemoryLimit)
	}
	p, err := portal.Start(ctx, portal.Config{
		Dir: *data, Addr: *addr, NATSURL: os.Getenv("NATS_URL"), MongoURI: os.Getenv("MONGO_URI"), NATSAddr: *natsAddr,
		LogLinks: *demoFlag, Demo: *demoFlag, Logger: logger, ProtoHeader: os.Getenv("ONRAMP_PROTO_HEADER"),
	})
	if err != nil {
		return err
	}
	defer p.Close()
	if *natsAddr != "" && p.Stack != nil {
		fmt.Fprintf(out, "NATS_URL=%s\n", p.Stack.UserURL("admin"))
	}
	if *demoFlag {
		logins, err := demo.Seed(ctx, p.NATS, password, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "Demo logins (password "+quoteIfDefault(password)+"):")
		for _, l := range logins {
			fmt.Fprintf(out, "  %-20s %-7s %s\n", l.Email, l.Role, l.Name)
		}
	}
	fmt.Fprintf(out, "Onramp is running at %s (started in %v). Press Ctrl-C to stop.\n", p.URL(), time.Since(start).Round(time.Millisecond))
	// One process holds every service's read model, so the garbage collector's headroom
	// (GOGC=100: the heap may grow to twice what is live before a collection) is most of
	// its resident memory. Unless GOGC is set, collect at 50 % growth once ready (the start
	// itself, snapshots decoded and streams replayed, runs at the default): at 2,500 staff
	// that took resident memory after the page runs from about 900 MB to 430 MB. Loading,
	// replaying and seeding also leave the heap far larger than what the models keep: give
	// that back to the system now rather than keep it as the runtime's reserve.
	if gogc {
		debug.SetGCPercent(50)
		debug.SetMemoryLimit(math.MaxInt64)
	}
	debug.FreeOSMemory()
	go handBackWhenIdle(ctx)
	<-ctx.Done()
	fmt.Fprintln(out, "Stopping…")
	return nil
}

// startMemoryLimit bounds the heap while the start runs at GOGC=400.
const startMemoryLimit = 1 << 30

func quoteIfDefault(pw string) string {
	if pw == defaultDemoPassword {
		return pw
	}
	return "from ONRAMP_DEMO_PASSWORD"
}

func runInfra(ctx context.Context, args []string, out io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("onramp infra", flag.ContinueOnError)
	data := fs.String("data", cmp.Or(os.Getenv("ONRAMP_DATA"), "data"), "data directory (env ONRAMP_DATA)")
	natsAddr := fs.String("nats", "127.0.0.1:4222", "NATS listen address (port 0: any)")
	storeAddr := fs.String("store", "127.0.0.1:27017", "FerretDB listen address (port 0: any)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !loopback(*natsAddr) || !loopback(*storeAddr) {
		return fmt.Errorf("the embedded engines have no authentication: listen on loopback only")
	}
	s, err := devstack.Start(ctx, devstack.Config{Dir: *data, NATSAddr: *natsAddr, StoreAddr: *storeAddr, Logger: logger})
	if err != nil {
		return err
	}
	defer s.Close()
	nc, err := bus.Connect(s.UserURL("admin"), "onramp-infra")
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if err := bus.EnsureStreams(ctx, js); err != nil {
		return err
	}
	// Each service signs in as its own NATS user, which may append only to its own
	// domain's stream (infra/devstack/users.go); NATS_URL is the admin's, for seeding.
	fmt.Fprintf(out, "NATS_URL=%s\nMONGO_URI=%s\n", s.UserURL("admin"), s.StoreURI())
	for _, u := range devstack.ServiceUsers {
		if u != "admin" {
			fmt.Fprintf(out, "NATS_URL_%s=%s\n", strings.ToUpper(u), s.UserURL(u))
		}
	}
	<-ctx.Done()
	return nil
}

func runSeed(ctx context.Context, out io.Writer) error {
	url := os.Getenv("NATS_URL")
	if url == "" {
		return errors.New("NATS_URL is not set")
	}
	nc, err := bus.Connect(url, "onramp-seed")
	if err != nil {
		return err
	}
	defer nc.Close()
	logins, err := demo.Seed(ctx, nc, cmp.Or(os.Getenv("ONRAMP_DEMO_PASSWORD"), defaultDemoPassword), time.Now())
	if err != nil {
		return err
	}
	for _, l := range logins {
		fmt.Fprintln(out, l.Email)
	}
	return nil
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
