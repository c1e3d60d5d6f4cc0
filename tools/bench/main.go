// Command bench measures Onramp against the raw limits of the machine it runs on, in one
// run, and prints ratios: the event backbone (command → event → stored projection) against
// raw JetStream publishes and raw store writes by _id, and the login and home pages
// against a trivial net/http handler (32 concurrent clients).
//
//	go run ./tools/bench [-duration 3s] [-commands 2000]
//	go run ./tools/bench -org 10000 [-duration 10s]   (every page at the size of an organisation)
//	go run ./tools/bench -org 10000 -process          (the same against the onramp command as a child
//	                                                   process: its memory, and restarts after SIGKILL)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is one measured figure.
type Result struct {
	Name   string
	Rate   float64       // operations per second
	P50    time.Duration // 0 if not measured
	P99    time.Duration // 0 if not measured
	Unit   string        // what one operation is
	Detail string
}

func main() {
	duration := flag.Duration("duration", 3*time.Second, "how long each HTTP load runs")
	commands := flag.Int("commands", 2000, "commands through the event backbone")
	domains := flag.Bool("domains", true, "also run the domain benchmarks (cohort, track assignment, …)")
	only := flag.String("only", "", "run only the domain benchmarks whose name contains this")
	org := flag.Int("org", 0, "run only the org scenario: an organisation of this many staff, every page and list API")
	process := flag.Bool("process", false, "with -org: run the portal as a child process (the onramp command), for its own resident memory and SIGKILL restarts")
	flag.Parse()
	ctx := context.Background()
	if *org > 0 {
		if err := runOrg(ctx, *org, *duration, *process); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, *duration, *commands, *domains, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// Pair is an Onramp figure and the raw limit it is compared with.
type Pair struct{ Onramp, Raw Result }

func run(ctx context.Context, duration time.Duration, commands int, domains bool, only string) error {
	env, err := startEnv(ctx)
	if err != nil {
		return err
	}
	defer env.close()

	var rows []Pair
	step("raw JetStream publishes")
	jsRaw, err := rawPublish(ctx, env, commands)
	if err != nil {
		return err
	}
	step("raw store writes")
	storeRaw, err := rawStoreWrites(ctx, env, 1000)
	if err != nil {
		return err
	}
	step("event backbone")
	backbone, err := backbone(ctx, env, commands)
	if err != nil {
		return err
	}
	rows = append(rows, Pair{backbone, jsRaw}, Pair{backbone, storeRaw})

	step("HTTP: trivial handler, login page, home page")
	trivial, err := trivialHandler(duration)
	if err != nil {
		return err
	}
	login, err := loadPage(env, "/login", "", duration)
	if err != nil {
		return err
	}
	home, err := loadPage(env, "/", env.cookie, duration)
	if err != nil {
		return err
	}
	inbox, err := loadPage(env, "/notifications", env.cookie, duration)
	if err != nil {
		return err
	}
	bell, err := loadPage(env, "/notifications/bell", env.cookie, duration)
	if err != nil {
		return err
	}
	rows = append(rows, Pair{login, trivial}, Pair{home, trivial}, Pair{inbox, trivial}, Pair{bell, trivial})
	details := []Result{backbone, jsRaw, storeRaw, trivial, login, home, inbox, bell}
	if domains {
		for _, b := range domainBenches {
			if !strings.Contains(b.name, only) {
				continue
			}
			step(b.name)
			p, err := b.run(ctx)
			if err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
			rows = append(rows, p)
			details = append(details, p.Onramp, p.Raw)
		}
	}

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "Onramp\trate\tp99\traw limit\trate\tp99\tratio")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%.3f\n", r.Onramp.Name, rate(r.Onramp), p99(r.Onramp), r.Raw.Name, rate(r.Raw), p99(r.Raw), r.Onramp.Rate/r.Raw.Rate)
	}
	w.Flush()
	fmt.Println()
	for _, r := range details {
		if r.Detail != "" {
			fmt.Printf("%s: %s\n", r.Name, r.Detail)
		}
	}
	size, _ := dirSize(env.dir)
	fmt.Printf("data directory after the run: %.1f MB\n", float64(size)/1e6)
	return nil
}

// domainBenches are the per-domain scenarios, each on its own embedded stack.
var domainBenches = []struct {
	name string
	run  func(context.Context) (Pair, error)
}{
	{"onboarding: cohort of 1,000 hires", func(ctx context.Context) (Pair, error) { return benchOnboardingCohort(ctx, 1000) }},
	{"training: module assigned to a track of 10,000", func(ctx context.Context) (Pair, error) { return benchTrainingTrack(ctx, 10000) }},
	{"skills: matrix of 10,000 people × 40 skills", func(ctx context.Context) (Pair, error) { return benchSkillsMatrix(ctx, 10000) }},
	{"mentorship: suggestions among 2,000 mentors", benchMentorSuggestions},
	{"notify: reminder sweep of 10,000 overdue items", func(ctx context.Context) (Pair, error) { return benchNotifySweep(ctx, 10000) }},
}

var began = time.Now()

func step(s string) { fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(began).Seconds(), s) }

func rate(r Result) string { return fmt.Sprintf("%.0f %s/s", r.Rate, r.Unit) }

func p99(r Result) string {
	if r.P99 == 0 {
		return "-"
	}
	return r.P99.Round(10 * time.Microsecond).String()
}
