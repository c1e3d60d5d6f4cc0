// Command bench measures Onramp against the raw limits of the machine it runs on, in one
// run, and prints ratios: the event backbone (command → event → stored projection) against
// raw JetStream publishes and raw store writes by _id, and the login and home pages
// against a trivial net/http handler (32 concurrent clients).
//
//	go run ./tools/bench [-duration 3s] [-commands 2000]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"
)

// Result is one measured figure.
type Result struct {
	Name   string
	Rate   float64       // operations per second
	P99    time.Duration // 0 if not measured
	Unit   string        // what one operation is
	Detail string
}

func main() {
	duration := flag.Duration("duration", 3*time.Second, "how long each HTTP load runs")
	commands := flag.Int("commands", 2000, "commands through the event backbone")
	flag.Parse()
	ctx := context.Background()
	if err := run(ctx, *duration, *commands); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, duration time.Duration, commands int) error {
	env, err := startEnv(ctx)
	if err != nil {
		return err
	}
	defer env.close()

	var rows [][2]Result // (onramp, raw limit) pairs
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
	rows = append(rows, [2]Result{backbone, jsRaw}, [2]Result{backbone, storeRaw})

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
	rows = append(rows, [2]Result{login, trivial}, [2]Result{home, trivial})

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "Onramp\trate\tp99\traw limit\trate\tp99\tratio")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%.3f\n", r[0].Name, rate(r[0]), p99(r[0]), r[1].Name, rate(r[1]), p99(r[1]), r[0].Rate/r[1].Rate)
	}
	w.Flush()
	fmt.Println()
	for _, r := range []Result{backbone, jsRaw, storeRaw, trivial, login, home} {
		if r.Detail != "" {
			fmt.Printf("%s: %s\n", r.Name, r.Detail)
		}
	}
	size, _ := dirSize(env.dir)
	fmt.Printf("data directory after the run: %.1f MB\n", float64(size)/1e6)
	return nil
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
