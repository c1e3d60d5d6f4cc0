package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
	training "onramp.dev/services/training/server"
)

// benchTrainingTrack: one module assigned to a track of n people, timed from the command
// until the assignment is stored with every learner in it, beside a raw bulk insert of n
// per-learner documents into the same store.
func benchTrainingTrack(ctx context.Context, n int) (Pair, error) {
	s, err := startSolo(ctx)
	if err != nil {
		return Pair{}, err
	}
	defer s.close()
	m, err := training.New(s.nc, s.mc.Database("training"), slog.New(slog.DiscardHandler), training.Config{
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

	envs, err := hires(n, "learner", "operations", "ops")
	if err != nil {
		return Pair{}, err
	}
	if err := s.publishAll(envs); err != nil {
		return Pair{}, err
	}
	// The service knows everyone once it can act as the last person hired.
	system := rpc.Caller{System: true}
	last := envs[n-1].Subject
	for deadline := time.Now().Add(2 * time.Minute); ; {
		_, err := rpc.Call[events.LearnerReply](ctx, s.nc, events.RPC("training", events.OpMyTraining), system, events.ModuleRequest{As: last})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return Pair{}, fmt.Errorf("training never learned of %s: %w", last, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.settled(ctx, "TRAINING", time.Minute); err != nil {
		return Pair{}, err
	}

	t0 := time.Now()
	view, err := rpc.Call[events.AssignmentView](ctx, s.nc, events.RPC("training", events.OpAssign), system, events.AssignRequest{
		Module: "backup-and-restore", Track: "operations", Due: time.Now().AddDate(0, 0, 30).Format(events.DateLayout)})
	if err != nil {
		return Pair{}, err
	}
	replied := time.Since(t0)
	if view.People != n {
		return Pair{}, fmt.Errorf("assignment reaches %d people, want %d", view.People, n)
	}
	if err := s.settled(ctx, "TRAINING", 5*time.Minute); err != nil {
		return Pair{}, err
	}
	stored := time.Since(t0)

	// Raw: n per-learner documents inserted into the same store, 1,000 per batch.
	c := s.mc.Database("bench").Collection("learners_raw")
	t1 := time.Now()
	for i := 0; i < n; i += 1000 {
		batch := make([]any, 0, 1000)
		for j := i; j < min(n, i+1000); j++ {
			batch = append(batch, bson.D{{Key: "_id", Value: fmt.Sprintf("learner-%05d", j)}, {Key: "seq", Value: j},
				{Key: "modules", Value: bson.D{{Key: "backup-and-restore", Value: bson.D{{Key: "due", Value: view.Due}, {Key: "assignment", Value: view.ID}}}}}})
		}
		if _, err := c.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false)); err != nil {
			return Pair{}, err
		}
	}
	raw := time.Since(t1)
	return Pair{
		Onramp: Result{Name: fmt.Sprintf("assign a module to a track of %d → stored", n), Rate: float64(n) / stored.Seconds(), Unit: "learner",
			Detail: fmt.Sprintf("answered after %v, stored after %v (one event, one assignment document)", replied.Round(time.Millisecond), stored.Round(time.Millisecond))},
		Raw: Result{Name: fmt.Sprintf("raw InsertMany of %d learner documents", n), Rate: float64(n) / raw.Seconds(), Unit: "doc",
			Detail: fmt.Sprintf("%v", raw.Round(time.Millisecond))},
	}, nil
}
