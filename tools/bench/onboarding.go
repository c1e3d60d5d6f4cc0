package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"onramp.dev/events"
	"onramp.dev/infra/devstack"
	"onramp.dev/infra/store"
	onboarding "onramp.dev/services/onboarding/server"
)

// benchOnboardingCohort: n hires hired at once (identity.staff.hired published
// asynchronously to the identity stream) until the onboarding service has made and stored
// every plan — one event and one document each, ~40 tasks inside — compared with a raw
// InsertMany of the very same documents into the same store in the same run. The onboarding
// service runs alone on its own embedded stack.
func benchOnboardingCohort(ctx context.Context, n int) (Pair, error) {
	dir, err := os.MkdirTemp("", "onramp-bench-cohort-")
	if err != nil {
		return Pair{}, err
	}
	defer os.RemoveAll(dir)
	stack, err := devstack.Start(ctx, devstack.Config{Dir: dir})
	if err != nil {
		return Pair{}, err
	}
	defer stack.Close()
	nc, err := stack.Connect()
	if err != nil {
		return Pair{}, err
	}
	defer nc.Close()
	mc, err := store.Connect(ctx, stack.StoreURI())
	if err != nil {
		return Pair{}, err
	}
	defer mc.Disconnect(context.WithoutCancel(ctx))
	db := mc.Database("onboarding")
	js, err := jetstream.New(nc)
	if err != nil {
		return Pair{}, err
	}
	m, err := onboarding.New(nc, db, slog.New(slog.DiscardHandler), onboarding.Config{
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
	began := time.Now()
	for i := range n {
		env, err := events.New("bench-hr", fmt.Sprintf("cohort-%05d", i), events.StaffHired{
			Email: fmt.Sprintf("cohort%d@bench.onramp", i), Name: fmt.Sprintf("Cohort %d", i), Roles: []string{events.RoleHire},
			Team: fmt.Sprintf("team-%d", i%20), Lead: "bench-lead", Track: tracks[i%len(tracks)], StartDate: startDate,
		}, time.Now())
		if err != nil {
			return Pair{}, err
		}
		msg := nats.NewMsg(events.Subject(env.Type, env.Subject))
		if msg.Data, err = json.Marshal(env); err != nil {
			return Pair{}, err
		}
		msg.Header.Set(jetstream.MsgIDHeader, env.ID)
		if _, err := js.PublishMsgAsync(msg); err != nil {
			return Pair{}, err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		return Pair{}, fmt.Errorf("cohort: hired events not acknowledged within a minute")
	}
	published := time.Since(began)

	// Every plan exists once n plan.created events are on the stream and the projector
	// (which acknowledges a batch only after writing it) has acknowledged all of them.
	created := events.TypeFilter(events.PlanCreated{}.EventType())
	for {
		s, err := js.Stream(ctx, "ONBOARDING")
		if err != nil {
			return Pair{}, err
		}
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(created))
		if err != nil {
			return Pair{}, err
		}
		if len(info.State.Subjects) >= n {
			cons, err := js.Consumer(ctx, "ONBOARDING", "onboarding-projector")
			if err != nil {
				return Pair{}, err
			}
			ci, err := cons.Info(ctx)
			if err != nil {
				return Pair{}, err
			}
			if ci.AckFloor.Stream >= info.State.LastSeq {
				break
			}
		}
		if time.Since(began) > 10*time.Minute {
			return Pair{}, fmt.Errorf("cohort: %d of %d plans after 10 minutes", len(info.State.Subjects), n)
		}
		time.Sleep(5 * time.Millisecond)
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
