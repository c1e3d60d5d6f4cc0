package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// report is a run's result: per kind of command how it was answered and what the checks
// found, the problems themselves, and the restart times.
type report struct {
	cfg          config
	rows         map[kind]*row
	problems     []problem
	probes       int
	firstStart   time.Duration
	restarts     []time.Duration
	failedStarts int // starts that exited or never got ready (then tried again)
	exits        int // times the process ended by itself while under load
}

type row struct {
	acked, rejected, unknown, unknownDone int
	lost, doubled, stuck                  int
}

func (r *report) row(k kind) *row {
	if r.rows == nil {
		r.rows = map[kind]*row{}
	}
	if r.rows[k] == nil {
		r.rows[k] = &row{}
	}
	return r.rows[k]
}

func (r *report) add(cmds []*command, v verdicts) {
	for _, c := range cmds {
		x := r.row(c.Kind)
		switch c.Outcome {
		case acked:
			x.acked++
		case rejected:
			x.rejected++
		case unknown:
			x.unknown++
		}
		if c.NoAnswer && c.Outcome == acked {
			x.unknownDone++
		}
	}
	for _, c := range cmds { // in command order, so the listing is stable
		if p, ok := v[c]; ok {
			r.addProblem(p)
		}
	}
}

func (r *report) addProblem(p problem) {
	r.problems = append(r.problems, p)
	x := r.row(p.Kind)
	switch p.Verdict {
	case lost:
		x.lost++
	case doubled:
		x.doubled++
	case stuck:
		x.stuck++
	}
}

// failed reports whether anything was lost, doubled or stuck.
func (r *report) failed() bool { return len(r.problems) > 0 }

func (r *report) totals() (t row) {
	for _, k := range kinds {
		x := r.row(k)
		t.acked += x.acked
		t.rejected += x.rejected
		t.unknown += x.unknown
		t.unknownDone += x.unknownDone
		t.lost += x.lost
		t.doubled += x.doubled
		t.stuck += x.stuck
	}
	return t
}

func (r *report) print(out io.Writer) {
	fmt.Fprintf(out, "\nOnramp fault run: %d kill cycles, %d clients, %v mean load per cycle, seed %d\n\n",
		r.cfg.Cycles, r.cfg.Clients, r.cfg.Duration, r.cfg.Seed)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "command\tacknowledged\t(after a retry)\trefused\tunknown\tlost\tdoubled\tstuck\t")
	line := func(name string, x row) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, x.acked, x.unknownDone, x.rejected, x.unknown, x.lost, x.doubled, x.stuck)
	}
	for _, k := range kinds {
		line(string(k), *r.row(k))
	}
	line("total", r.totals())
	tw.Flush()

	fmt.Fprintf(out, "\nfirst start to /readyz: %v\n", r.firstStart.Round(time.Millisecond))
	if len(r.restarts) > 0 {
		s := slices.Clone(r.restarts)
		slices.Sort(s)
		fmt.Fprintf(out, "restart after SIGKILL to /readyz (%d): min %v, median %v, max %v\n", len(s),
			s[0].Round(time.Millisecond), median(s).Round(time.Millisecond), s[len(s)-1].Round(time.Millisecond))
	}
	fmt.Fprintf(out, "starts that failed and were retried: %d; exits under load: %d; stuck probes sent: %d\n",
		r.failedStarts, r.exits, r.probes)
	if len(r.problems) == 0 {
		fmt.Fprintln(out, "\nOK: nothing lost, doubled or stuck.")
		return
	}
	fmt.Fprintf(out, "\nFAILED: %d problems\n", len(r.problems))
	ps := slices.Clone(r.problems) // by kind, in the order the commands were sent
	slices.SortStableFunc(ps, func(a, b problem) int { return slices.Index(kinds, a.Kind) - slices.Index(kinds, b.Kind) })
	for _, p := range ps {
		fmt.Fprintf(out, "  %-7s %-22s %s\n", p.Verdict, p.Kind, p.Detail)
	}
}
