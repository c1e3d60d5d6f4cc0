package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/tools/child"
)

// The org scenario's process mode (-org N -process): the portal is the `onramp` command
// running as a child process on its own data dir (embedded NATS and FerretDB), so its
// resident memory is its own, read from /proc, and it can be SIGKILLed. Its Go heap comes
// from its profile endpoint (-debug, loopback only), and the benchmark reaches its NATS
// through -nats as the admin user, for the calls that have no HTTP route.

const readyTimeout = 10 * time.Minute

// startProcessEnv builds onramp, starts it with the demo organisation and signs in.
func startProcessEnv(ctx context.Context) (*env, error) {
	dir, err := os.MkdirTemp("", "onramp-bench-") // short: the store's Unix socket lives under it
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir}
	step("building onramp")
	bin, err := child.Build(ctx, dir)
	if err != nil {
		e.close()
		return nil, err
	}
	addr, err := child.FreeAddr()
	if err != nil {
		e.close()
		return nil, err
	}
	debug, err := child.FreeAddr()
	if err != nil {
		e.close()
		return nil, err
	}
	e.debug = debug
	e.proc = &child.Process{Bin: bin, Data: filepath.Join(dir, "data"), Logs: dir, Addr: addr,
		Args: []string{"-demo", "-nats", "127.0.0.1:0", "-debug", debug},
		Env:  []string{"ONRAMP_DEMO_PASSWORD=" + password}}
	step("starting onramp -demo as a child process")
	if _, err := e.proc.Start(ctx, readyTimeout); err != nil {
		e.close()
		return nil, err
	}
	// -demo seeds after the web server is up; the line below comes once it is done.
	for deadline := time.Now().Add(readyTimeout); ; time.Sleep(100 * time.Millisecond) {
		out, err := e.proc.Output()
		if err != nil {
			e.close()
			return nil, err
		}
		if strings.Contains(string(out), "Onramp is running at") {
			break
		}
		if _, gone := e.proc.ExitedEarly(); gone || time.Now().After(deadline) {
			e.close()
			return nil, fmt.Errorf("onramp -demo did not finish seeding:\n%s", out)
		}
	}
	e.base = "http://" + addr
	if err := e.connect(); err != nil {
		e.close()
		return nil, err
	}
	if err := e.signIn(ctx); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// connect opens a NATS connection to the running child (its URL and passwords change with
// every start).
func (e *env) connect() error {
	if e.nc != nil {
		e.nc.Close()
	}
	// The line comes as the portal becomes ready; /readyz may answer a moment before.
	url, err := e.proc.Line("NATS_URL")
	for deadline := time.Now().Add(10 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		url, err = e.proc.Line("NATS_URL")
	}
	if err != nil {
		return err
	}
	e.nc, err = bus.Connect(url, "onramp-bench")
	return err
}

// memory describes the portal's memory: the child's resident memory and Go heap in process
// mode, the benchmark process's own otherwise.
func (e *env) memory() string {
	if e.proc == nil {
		return fmt.Sprintf("resident %.0f MB (the benchmark's own process, every service in it)", float64(rss())/1e6)
	}
	m, err := e.proc.Memory()
	if err != nil {
		return err.Error()
	}
	s := fmt.Sprintf("resident %.0f MB (peak %.0f MB)", float64(m.RSS)/1e6, float64(m.Peak)/1e6)
	if h, err := e.heap(); err == nil {
		s += fmt.Sprintf(", Go heap in use %.0f MB after a GC, Go runtime total %.0f MB", float64(h["HeapInuse"])/1e6, float64(h["Sys"])/1e6)
	}
	return s
}

// heap reads the child's runtime.MemStats figures after a GC from its heap profile.
func (e *env) heap() (map[string]int64, error) {
	resp, err := http.Get("http://" + e.debug + "/debug/pprof/heap?debug=1&gc=1")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		// "# HeapInuse = 123456"
		f := strings.Fields(sc.Text())
		if len(f) == 4 && f[0] == "#" && f[2] == "=" {
			if n, err := strconv.ParseInt(f[3], 10, 64); err == nil {
				out[f[1]] = n
			}
		}
	}
	if out["HeapInuse"] == 0 {
		return nil, fmt.Errorf("no HeapInuse in the heap profile (%v)", sc.Err())
	}
	return out, nil
}

// idle waits until the child is idle — under 5 % of a core in each of three 5 s spans in
// a row, after its flushes, snapshots and the store's catching up (and after the portal's
// own hand-back of memory once it is quiet for 10 s); at most 5 minutes — and reports its
// memory.
func (e *env) idle(what string) {
	began := time.Now()
	last, _ := e.proc.CPU()
	quiet := 0
	for quiet < 3 && time.Since(began) < 5*time.Minute {
		time.Sleep(5 * time.Second)
		cpu, err := e.proc.CPU()
		if err != nil {
			break
		}
		if cpu-last < 250*time.Millisecond {
			quiet++
		} else {
			quiet = 0
		}
		last = cpu
	}
	fmt.Printf("%s (idle after %.0f s): %s\n", what, time.Since(began).Seconds(), e.memory())
}

// settled reports memory once the portal has been left alone for settle since its start:
// the embedded NATS server drops the per-block subject indexes a start's reads built two
// minutes after they were last used, and an idle portal hands free memory back.
func (e *env) settled(what string, since time.Time, settle time.Duration) {
	time.Sleep(time.Until(since.Add(settle)))
	fmt.Printf("%s (%.0f s after the start, nothing asked of it since): %s\n", what, time.Since(since).Seconds(), e.memory())
}

// streamEvents is the number of events on every domain stream.
func (e *env) streamEvents(ctx context.Context) (uint64, error) {
	js, err := jetstream.New(e.nc)
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, s := range events.Streams {
		st, err := js.Stream(ctx, s.Name)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", s.Name, err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", s.Name, err)
		}
		total += info.State.Msgs
	}
	return total, nil
}

// measureProcessRestart restarts the child three times on the same data: after a clean stop
// (SIGTERM: snapshots saved at shutdown), after a SIGKILL while invites are being sent
// (snapshots up to 30 s or 5,000 events old), and after a clean stop with every snapshot
// deleted (whole streams replayed). Each start is timed from exec to /readyz answering 200.
func measureProcessRestart(ctx context.Context, e *env, invite func(i int) error, next int) error {
	e.proc.Args = []string{"-nats", "127.0.0.1:0", "-debug", e.debug} // no -demo: nothing to seed
	restart := func(name string, settle bool, before func() error) error {
		step("org: restart " + name)
		if err := before(); err != nil {
			return err
		}
		began := time.Now()
		took, err := e.proc.Start(ctx, readyTimeout)
		if err != nil {
			return err
		}
		if err := e.connect(); err != nil {
			return err
		}
		n, err := e.streamEvents(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("restart %s, %d events on the streams: ready in %v\n", name, n, took.Round(time.Millisecond))
		e.idle("  idle after that restart")
		if settle {
			e.settled("  settled after that restart", began, 150*time.Second)
		}
		return nil
	}
	if err := restart("after a clean stop (snapshots)", true, func() error { e.proc.Stop(); return nil }); err != nil {
		return err
	}
	if err := restart("after SIGKILL under load (invites at 16 clients for 10 s)", true, func() error {
		if err := e.refreshHR(ctx); err != nil {
			return err
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		sent := 0
		for w := range orgWriters {
			wg.Go(func() {
				for i := next + w; ; i += orgWriters {
					select {
					case <-stop:
						return
					default:
					}
					if invite(i) == nil {
						mu.Lock()
						sent++
						mu.Unlock()
					}
				}
			})
		}
		time.Sleep(10 * time.Second)
		err := e.proc.Kill()
		close(stop)
		wg.Wait()
		fmt.Printf("  killed with %d invites acknowledged in the 10 s before\n", sent)
		return err
	}); err != nil {
		return err
	}
	return restart("with every snapshot deleted (whole streams replayed)", false, func() error {
		e.proc.Stop()
		return deleteSnapshots(ctx, e.proc.Data)
	})
}
