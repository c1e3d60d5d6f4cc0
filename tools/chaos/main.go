// Command chaos is Onramp's fault suite: it runs mixed load against the all-in-one process
// through the JSON API, SIGKILLs the process at random moments, starts it again on the same
// data, and afterwards checks every acknowledged command through the API and in the stored
// documents.
//
//	go run ./tools/chaos [-cycles 20] [-duration 10s] [-clients 4] [-seed N] [-keep]
//
// Each client signs in as demo HR, the demo lead, IT and one demo person; HR invites hires
// (the first two of each client set their password and sign in); the task's owner (the hire,
// the lead, IT) or HR on their behalf completes and reopens onboarding tasks; HR and the lead
// assign training and verify skills; people record self-assessments. Each client changes only
// the records of its own hires, so it knows what they must hold. Every command carries a
// unique marker (its Idempotency-Key and the evidence, reason, note or e-mail address it
// sends), so its effect can be counted:
//
//   - acknowledged (2xx): it must have happened exactly once (a completion of a task already
//     done, which changes nothing, at most once), and each task must end as its last
//     acknowledged command left it; an invite's set-password link must work (until used),
//     its hire must have a plan, and a password set must sign in;
//   - unknown (no answer, or 5xx, e.g. cut by the kill): sent again with the same key and
//     body; if still unanswered it may or may not have happened, but never twice;
//   - refused (4xx): it must not have happened.
//
// A command whose effect is missing is lost, one found twice is doubled. Before calling a
// command lost the checks are repeated for up to -settle (events may take a moment to be
// applied after a restart). Then every record touched gets one more valid command: a record
// that answers it only with 409 or 5xx for -settle is stuck. The exit status is 1 if anything
// is lost, doubled or stuck.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"onramp.dev/content"
	"onramp.dev/tools/child"
)

type config struct {
	Cycles    int           // kills
	Duration  time.Duration // mean load time between kills
	Clients   int
	Seed      uint64
	Keep      bool          // keep the data dir and logs
	Retry     bool          // send unanswered commands again
	MaxPeople int           // hires each client invites at most
	Settle    time.Duration // how long a check may wait for the portal to catch up
	Ready     time.Duration // how long a start may take
	Store     bool          // also check the stored documents
	Log       io.Writer     // progress lines
	From      string        // a data directory to start from (copied), e.g. a 10,000-staff organisation
	Password  string        // the demo logins' password (default onramp-demo)
}

func main() {
	var cfg config
	fs := flag.NewFlagSet("chaos", flag.ExitOnError)
	fs.IntVar(&cfg.Cycles, "cycles", 20, "kill and restart cycles")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "mean load time per cycle (each kill comes after 0.5–1.5×)")
	fs.IntVar(&cfg.Clients, "clients", 4, "concurrent clients")
	fs.Uint64Var(&cfg.Seed, "seed", uint64(time.Now().UnixNano()%1e9), "random seed (printed, to repeat a run's choices)")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the data directory and the process logs")
	fs.BoolVar(&cfg.Retry, "retry", true, "send a command that got no answer again, with the same Idempotency-Key")
	fs.IntVar(&cfg.MaxPeople, "people", 25, "hires each client invites at most")
	fs.DurationVar(&cfg.Settle, "settle", 45*time.Second, "how long checks wait for the portal to catch up before calling something lost or stuck (longer than JetStream's 30 s AckWait, so a late redelivery is not called lost)")
	fs.DurationVar(&cfg.Ready, "ready-timeout", 3*time.Minute, "how long a start may take to answer /readyz")
	fs.BoolVar(&cfg.Store, "store", true, "also check the stored documents (embedded FerretDB)")
	fs.StringVar(&cfg.From, "from", "", "start from a copy of this data directory of a stopped portal (seeded with -demo, e.g. a 10,000-staff organisation), instead of an empty one")
	fs.StringVar(&cfg.Password, "password", demoPassword, "the demo logins' password in that data (tools/bench seeds with onramp-bench)")
	_ = fs.Parse(os.Args[1:])
	cfg.Log = os.Stderr
	if cfg.Cycles < 0 || cfg.Clients < 1 || cfg.Duration <= 0 || cfg.MaxPeople < 1 {
		fmt.Fprintln(os.Stderr, "chaos: -cycles must be ≥ 0, -clients and -people ≥ 1, -duration > 0")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg)
	if rep != nil {
		rep.print(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	if rep.failed() {
		os.Exit(1)
	}
}

// run builds and starts the portal, runs the load through cfg.Cycles kills and checks
// everything the clients were told. An error means the run itself could not be completed.
func run(ctx context.Context, cfg config) (*report, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	logf := func(format string, args ...any) { fmt.Fprintf(cfg.Log, "chaos: "+format+"\n", args...) }
	dir, err := os.MkdirTemp("", "chaos-") // short: the store's Unix socket lives under it
	if err != nil {
		return nil, err
	}
	var rep *report
	defer func() { // a failed run keeps its data and logs (not the binary) for inspection
		switch {
		case cfg.Keep:
			logf("data and logs kept in %s", dir)
		case rep != nil && rep.failed():
			os.Remove(filepath.Join(dir, "onramp"))
			logf("the run failed: data and logs kept in %s", dir)
		default:
			os.RemoveAll(dir)
		}
	}()
	logf("building onramp")
	bin, err := child.Build(ctx, dir)
	if err != nil {
		return nil, err
	}
	addr, err := child.FreeAddr()
	if err != nil {
		return nil, err
	}
	t := &child.Process{Bin: bin, Data: filepath.Join(dir, "data"), Logs: dir, Addr: addr, Args: []string{"-demo"}}
	if err := os.MkdirAll(t.Data, 0o700); err != nil {
		return nil, err
	}
	if cfg.From != "" {
		logf("copying %s", cfg.From)
		if err := os.CopyFS(t.Data, os.DirFS(cfg.From)); err != nil {
			return nil, fmt.Errorf("-from: %w", err)
		}
	}
	t.Env = append(t.Env, "ONRAMP_DEMO_PASSWORD="+cmp.Or(cfg.Password, demoPassword))
	defer t.Stop()
	rep = &report{cfg: cfg}

	first, err := t.Start(ctx, cfg.Ready)
	if err != nil {
		return nil, err
	}
	rep.firstStart = first
	logf("onramp ready at %s in %v (seed %d)", addr, first.Round(time.Millisecond), cfg.Seed)

	g := newGate()
	g.open()
	clients, err := newClients(ctx, "http://"+addr, g, cfg)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x63686173))

	var stopLoad atomic.Bool
	loadCtx, cancelLoad := context.WithCancel(ctx)
	defer cancelLoad()
	var wg sync.WaitGroup
	loadErrs := make([]error, len(clients))
	for i, c := range clients {
		wg.Go(func() { loadErrs[i] = c.run(loadCtx, &stopLoad) })
	}
	for cycle := 1; cycle <= cfg.Cycles; cycle++ {
		wait := time.Duration(float64(cfg.Duration) * (0.5 + rng.Float64()))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		if err, gone := t.ExitedEarly(); gone {
			rep.exits++
			logf("onramp exited by itself (%v): starting it again", err)
		}
		g.close()
		if err := t.Kill(); err != nil {
			return nil, err
		}
		d, err := startRetrying(ctx, t, cfg.Ready, &rep.failedStarts, logf)
		if err != nil {
			return nil, err
		}
		rep.restarts = append(rep.restarts, d)
		logf("cycle %d/%d: killed after %v of load, ready again in %v", cycle, cfg.Cycles, wait.Round(time.Millisecond), d.Round(time.Millisecond))
		g.open()
	}
	// Load once more after the last restart (alone, with -cycles 0: a control run without
	// kills): commands on records whose older events may still be pending.
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(cfg.Duration):
	}
	if err, gone := t.ExitedEarly(); gone {
		rep.exits++
		logf("onramp exited by itself (%v): starting it again for the checks", err)
		g.close()
		if _, err := startRetrying(ctx, t, cfg.Ready, &rep.failedStarts, logf); err != nil {
			return nil, err
		}
		g.open()
	}
	stopLoad.Store(true)
	wg.Wait()
	if err := errors.Join(loadErrs...); err != nil {
		return nil, err
	}

	ch := &checker{api: clients[0].api, hr: clients[0].hr}
	for _, c := range clients {
		ch.cmds = append(ch.cmds, c.cmds...)
		ch.people = append(ch.people, c.people...)
	}
	if cfg.Store {
		sock, err := filepath.Abs(filepath.Join(t.Data, "run", "ferretdb.sock"))
		if err != nil {
			return nil, err
		}
		mc, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + url.PathEscape(sock) + "/").SetTimeout(30 * time.Second))
		if err != nil {
			return nil, fmt.Errorf("chaos: store: %w", err)
		}
		defer mc.Disconnect(context.Background())
		ch.store = mc
	}
	logf("checking %d commands", len(ch.cmds))
	v, err := ch.settle(ctx, cfg.Settle)
	if err != nil {
		return nil, err
	}
	rep.add(ch.cmds, v)
	stuckProblems, n, err := ch.probe(ctx, clients, cfg.Settle)
	if err != nil {
		return nil, err
	}
	rep.probes = n
	for _, p := range stuckProblems {
		rep.addProblem(p)
	}
	return rep, nil
}

// newClients signs in cfg.Clients clients and reads what they need to know.
func newClients(ctx context.Context, base string, g *gate, cfg config) ([]*client, error) {
	tracks, err := content.Tracks()
	if err != nil {
		return nil, err
	}
	var trackIDs []string
	for _, tr := range tracks {
		trackIDs = append(trackIDs, tr.ID)
	}
	clients := make([]*client, cfg.Clients)
	for i := range clients {
		clients[i] = &client{n: i + 1, seed: cfg.Seed, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i+1))),
			api: newAPI(base, g), retry: cfg.Retry, maxPeople: cfg.MaxPeople, password: cmp.Or(cfg.Password, demoPassword)}
		if err := clients[i].signIn(ctx); err != nil {
			return nil, err
		}
	}
	w, err := loadWorld(ctx, clients[0].api, clients[0].hr, trackIDs)
	if err != nil {
		return nil, err
	}
	for _, c := range clients {
		c.w = w
	}
	return clients, nil
}

// startRetrying starts the portal; a start that exits or never gets ready is counted and
// tried again, up to three times.
func startRetrying(ctx context.Context, t *child.Process, timeout time.Duration, failures *int, logf func(string, ...any)) (time.Duration, error) {
	var errs []error
	for range 3 {
		d, err := t.Start(ctx, timeout)
		if err == nil {
			return d, nil
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		*failures++
		errs = append(errs, err)
		logf("start failed: %v", err)
		if err := t.Kill(); err != nil {
			return 0, err
		}
	}
	return 0, errors.Join(errs...)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
