package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/devstack"
	"onramp.dev/infra/eventlog"
	"onramp.dev/tools/portal"
)

// measureRestart stops e's portal and starts it again on the same data, twice: after the
// clean stop (each service loads its snapshot and replays what came after it), and with
// every snapshot deleted first (the whole streams replayed: the worst case, as after a crash
// before any snapshot was saved). It prints the events on the streams, the time to ready
// and the memory afterwards; e.p is the last portal started.
func measureRestart(ctx context.Context, e *env) error {
	js, err := jetstream.New(e.p.NATS)
	if err != nil {
		return err
	}
	var total uint64
	for _, s := range events.Streams {
		if st, err := js.Stream(ctx, s.Name); err == nil {
			if info, err := st.Info(ctx); err == nil {
				total += info.State.Msgs
			}
		}
	}
	for _, c := range []struct {
		name   string
		forget bool
	}{{"after a clean stop (snapshots)", false}, {"every snapshot deleted (whole streams replayed)", true}} {
		step("org: restart " + c.name)
		if err := e.p.Close(); err != nil {
			return err
		}
		if c.forget {
			if err := deleteSnapshots(ctx, e.dir); err != nil {
				return err
			}
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		t0 := time.Now()
		p, err := portal.Start(ctx, portal.Config{Dir: e.dir, Listener: ln, Addr: ln.Addr().String(),
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			return err
		}
		took := time.Since(t0)
		e.p, e.base, e.nc = p, p.URL(), p.NATS
		time.Sleep(2 * time.Second) // let the flushers settle before reading memory
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("restart %s, %d events on the streams: ready in %v; heap in use %.0f MB, resident %.0f MB (the benchmark's own memory included)\n",
			c.name, total, took.Round(time.Millisecond), float64(ms.HeapInuse)/1e6, float64(rss())/1e6)
	}
	return nil
}

// deleteSnapshots removes every saved model from a stopped portal's data.
func deleteSnapshots(ctx context.Context, dir string) error {
	s, err := devstack.Start(ctx, devstack.Config{Dir: dir})
	if err != nil {
		return err
	}
	defer s.Close()
	nc, err := s.Connect()
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	obj, err := js.ObjectStore(ctx, eventlog.SnapshotBucket)
	if err != nil {
		return err
	}
	list, err := obj.List(ctx)
	if err != nil {
		return err
	}
	for _, o := range list {
		if err := obj.Delete(ctx, o.Name); err != nil {
			return err
		}
	}
	return nil
}
