package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"

	contentskills "onramp.dev/content/skills"
	"onramp.dev/events"
	"onramp.dev/infra/rpc"
	"onramp.dev/tools/demo"
	"onramp.dev/tools/portal"
)

// benchSkillsMatrix: n people × 40 skills on record (one training evidence event each),
// then HR's skill-matrix page, the CSV and the XLSX export over HTTP, beside a raw
// read of the same skill documents from the store, in the same run. The XLSX export's peak
// heap is measured for a quarter of the people and for all of them (it should stay flat).
func benchSkillsMatrix(ctx context.Context, n int) (Pair, error) {
	dir, err := os.MkdirTemp("", "onramp-bench-skills-")
	if err != nil {
		return Pair{}, err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Pair{}, err
	}
	p, err := portal.Start(ctx, portal.Config{Dir: dir, Listener: ln, Addr: ln.Addr().String()})
	if err != nil {
		return Pair{}, err
	}
	defer p.Close()
	if _, err := demo.Seed(ctx, p.NATS, password, time.Now()); err != nil {
		return Pair{}, err
	}
	cat, err := contentskills.Load()
	if err != nil {
		return Pair{}, err
	}
	var levels []events.SkillLevel
	for _, s := range cat.Skills[:40] {
		levels = append(levels, events.SkillLevel{Skill: s.ID, Level: min(max(s.MinLevel, 3), s.MaxLevel)})
	}
	s := &soloStack{nc: p.NATS, mc: p.Mongo}
	if s.js, err = jetstream.New(p.NATS); err != nil {
		return Pair{}, err
	}
	people, err := hires(n, "skilled", "infrastructure", "team-0")
	if err != nil {
		return Pair{}, err
	}
	var evidence []events.Envelope
	for i := range people {
		var h events.StaffHired
		_ = people[i].Payload(&h)
		h.Team = fmt.Sprintf("team-%d", i%4) // four teams: a quarter of the people each
		if people[i], err = events.New("bench-hr", people[i].Subject, h, time.Now()); err != nil {
			return Pair{}, err
		}
		ev, err := events.New("bench", people[i].Subject, events.SkillsEvidenced{
			SourceEvent: events.NewID(time.Now()), Module: "bench-module", Score: 100, Skills: levels,
		}, time.Now())
		if err != nil {
			return Pair{}, err
		}
		evidence = append(evidence, ev)
	}
	if err := s.publishAll(people); err != nil {
		return Pair{}, err
	}
	if err := s.publishAll(evidence); err != nil {
		return Pair{}, err
	}
	if err := s.settled(ctx, "SKILLS", 10*time.Minute); err != nil {
		return Pair{}, err
	}
	if err := s.settled(ctx, "IDENTITY", 10*time.Minute); err != nil {
		return Pair{}, err
	}
	tok, err := rpc.Call[events.TokenReply](ctx, p.NATS, events.RPC(events.IdentityService, events.OpLogin), rpc.Caller{},
		events.LoginRequest{Email: "hr@demo.onramp", Password: password})
	if err != nil {
		return Pair{}, err
	}
	cookie, err := browserLogin(p.URL(), "hr@demo.onramp")
	if err != nil {
		return Pair{}, err
	}
	get := func(path, cookie, bearer string) (time.Duration, int64, error) {
		req, _ := http.NewRequest(http.MethodGet, p.URL()+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, 0, err
		}
		defer resp.Body.Close()
		nb, _ := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("%s: status %d", path, resp.StatusCode)
		}
		return time.Since(t0), nb, nil
	}
	median := func(path, cookie, bearer string) (time.Duration, int64, error) {
		var ds []time.Duration
		var size int64
		for range 5 {
			d, nb, err := get(path, cookie, bearer)
			if err != nil {
				return 0, 0, err
			}
			ds = append(ds, d)
			size = nb
		}
		slices.Sort(ds)
		return ds[2], size, nil
	}
	page, _, err := median("/skills/reports?report=skill-matrix", cookie, "")
	if err != nil {
		return Pair{}, err
	}
	// The whole report: JSON comes a page at a time, so the CSV export.
	whole, wholeSize, err := median("/api/v1/reports/skill-matrix?format=csv", "", tok.Token)
	if err != nil {
		return Pair{}, err
	}
	peak := func(path string) (time.Duration, uint64, error) {
		return peakHeap(func() (time.Duration, error) {
			d, _, err := get(path, "", tok.Token)
			return d, err
		})
	}
	xq, xqPeak, err := peak("/api/v1/reports/skill-matrix?format=xlsx&team=team-0")
	if err != nil {
		return Pair{}, err
	}
	xAll, xAllPeak, err := peak("/api/v1/reports/skill-matrix?format=xlsx")
	if err != nil {
		return Pair{}, err
	}

	// Raw: read every skill document of the same store, decoded.
	t0 := time.Now()
	cur, err := p.Mongo.Database("skills").Collection("records").Find(ctx, bson.D{})
	if err != nil {
		return Pair{}, err
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		return Pair{}, err
	}
	raw := time.Since(t0)
	return Pair{
		Onramp: Result{Name: fmt.Sprintf("skill matrix, %d people × 40 skills: CSV export", n), Rate: 1 / whole.Seconds(), Unit: "report",
			Detail: fmt.Sprintf("median of 5: on-screen matrix page (50 rows) %v; CSV export (all rows, %.1f MB) %v; XLSX %d people %v with peak heap +%.0f MB, all %d people %v with peak heap +%.0f MB (GOGC=5, in the one process that runs every service)",
				page.Round(time.Millisecond), float64(wholeSize)/1e6, whole.Round(time.Millisecond),
				n/4, xq.Round(time.Millisecond), float64(xqPeak)/1e6, n, xAll.Round(time.Millisecond), float64(xAllPeak)/1e6)},
		Raw: Result{Name: fmt.Sprintf("raw read of the %d skill documents", len(docs)), Rate: 1 / raw.Seconds(), Unit: "read",
			Detail: raw.Round(time.Millisecond).String()},
	}, nil
}
