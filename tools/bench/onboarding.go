package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"onramp.dev/events"
	onboarding "onramp.dev/services/onboarding/server"
)

// benchOnboardingCohort: n hires hired at once (identity.staff.hired published
// asynchronously to the identity stream) until the onboarding service has made and stored
// every plan — one event and one document each, ~40 tasks inside — compared with a raw
// InsertMany of the very same documents into the same store in the same run. The onboarding
// service runs alone on its own embedded stack.
func benchOnboardingCohort(ctx context.Context, n int) (Pair, error) {
	s, err := startSolo(ctx)
	if err != nil {
		return Pair{}, err
	}
	defer s.close()
	db := s.mc.Database("onboarding")
	js := s.js
	m, err := onboarding.New(s.nc, db, slog.New(slog.DiscardHandler), onboarding.Config{
		SweepEvery: -1,
		Keys:       func(context.Context) (map[string]ed25519.PublicKey, error) { return nil, nil },
	})
	if err != nil {
		return Pair{}, err
	}
	if err := m.Run(ctx); err != nil {
		return Pair{}, err
	}
	defer m.Close()

	tracks := []string{"infrastructure", "development", "security", "operations", "project", "service-desk"}
	startDate := time.Now().AddDate(0, 0, 7).Format(events.DateLayout)
	envs := make([]events.Envelope, n)
	for i := range n {
		envs[i], err = events.New("bench-hr", fmt.Sprintf("cohort-%05d", i), events.StaffHired{
			Email: fmt.Sprintf("cohort%d@bench.onramp", i), Name: fmt.Sprintf("Cohort %d", i), Roles: []string{events.RoleHire},
			Team: fmt.Sprintf("team-%d", i%20), Lead: "bench-lead", Track: tracks[i%len(tracks)], StartDate: startDate,
		}, time.Now())
		if err != nil {
			return Pair{}, err
		}
	}
	began := time.Now()
	if err := s.publishAll(envs); err != nil {
		return Pair{}, err
	}
	published := time.Since(began)

	// Every plan exists once n plan.created events are on the stream and the projector
	// (which acknowledges a batch only after writing it) has acknowledged all of them.
	created := events.TypeFilter(events.PlanCreated{}.EventType())
	for {
		stream, err := js.Stream(ctx, "ONBOARDING")
		if err != nil {
			return Pair{}, err
		}
		info, err := stream.Info(ctx, jetstream.WithSubjectFilter(created))
		if err != nil {
			return Pair{}, err
		}
		if len(info.State.Subjects) >= n {
			break
		}
		if time.Since(began) > 10*time.Minute {
			return Pair{}, fmt.Errorf("cohort: %d of %d plans after 10 minutes", len(info.State.Subjects), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.settled(ctx, "ONBOARDING", 10*time.Minute); err != nil {
		return Pair{}, err
	}
	cohort := time.Since(began)

	// The same documents, inserted raw into the same store.
	cur, err := db.Collection("plans").Find(ctx, bson.D{})
	if err != nil {
		return Pair{}, err
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		return Pair{}, err
	}
	if len(docs) != n {
		return Pair{}, fmt.Errorf("cohort: %d plan documents stored, want %d", len(docs), n)
	}
	tasks := 0
	for _, d := range docs {
		if arr, ok := d.Lookup("tasks").ArrayOK(); ok {
			vals, _ := arr.Values()
			tasks += len(vals)
		}
	}
	raw := make([]any, len(docs))
	for i, d := range docs {
		raw[i] = d
	}
	t0 := time.Now()
	if _, err := db.Collection("plans_raw").InsertMany(ctx, raw, options.InsertMany().SetOrdered(false)); err != nil {
		return Pair{}, err
	}
	rawDur := time.Since(t0)
	return Pair{
		Onramp: Result{Name: fmt.Sprintf("cohort of %d hires at once → plans stored", n), Rate: float64(n) / cohort.Seconds(), Unit: "plan",
			Detail: fmt.Sprintf("%d plans, %d tasks: hired events acknowledged after %v, every plan stored after %v",
				n, tasks, published.Round(time.Millisecond), cohort.Round(time.Millisecond))},
		Raw: Result{Name: fmt.Sprintf("raw InsertMany of the same %d plan documents", n), Rate: float64(n) / rawDur.Seconds(), Unit: "doc",
			Detail: fmt.Sprintf("%v", rawDur.Round(time.Millisecond))},
	}, nil
}
