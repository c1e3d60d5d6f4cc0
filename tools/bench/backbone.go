package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
)

// rawPublish: JetStream publishes of event-sized messages, each waiting for its ack.
func rawPublish(ctx context.Context, e *env, n int) (Result, error) {
	js, err := jetstream.New(e.p.NATS)
	if err != nil {
		return Result{}, err
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "BENCH", Subjects: []string{"bench.>"}, Storage: jetstream.FileStorage}); err != nil {
		return Result{}, err
	}
	body := []byte(strings.Repeat("x", 400))
	start := time.Now()
	for i := range n {
		if _, err := js.Publish(ctx, fmt.Sprintf("bench.raw.%d", i%100), body); err != nil {
			return Result{}, err
		}
	}
	d := time.Since(start)
	return Result{Name: "raw JetStream publish (ack each)", Rate: float64(n) / d.Seconds(), Unit: "msg"}, nil
}

// rawStoreWrites: whole-document replaces by _id, one after another, in a collection of
// n documents (what a projector does, without anything else).
func rawStoreWrites(ctx context.Context, e *env, n int) (Result, error) {
	c := e.p.Mongo.Database("bench").Collection("raw")
	docs := make([]any, n)
	for i := range n {
		docs[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("doc-%d", i)}, {Key: "seq", Value: 0}, {Key: "name", Value: strings.Repeat("n", 40)}}
	}
	if _, err := c.InsertMany(ctx, docs); err != nil {
		return Result{}, err
	}
	start := time.Now()
	for i := range n {
		d := bson.D{{Key: "_id", Value: fmt.Sprintf("doc-%d", i)}, {Key: "seq", Value: i + 1}, {Key: "name", Value: strings.Repeat("m", 40)}}
		if _, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d[0].Value}}, d, options.Replace().SetUpsert(true)); err != nil {
			return Result{}, err
		}
	}
	dur := time.Since(start)
	return Result{Name: fmt.Sprintf("raw store replace by _id (%d docs)", n), Rate: float64(n) / dur.Seconds(), Unit: "write"}, nil
}

// backbone: n identity commands (a new set-password link for one of 200 people), 32 at a
// time over NATS request-reply, each appending one event; timed until the projector has
// stored every person document at its final sequence.
func backbone(ctx context.Context, e *env, n int) (Result, error) {
	hr := rpc.Caller{Token: e.hrToken}
	const people = 200
	ids := make([]string, people)
	for i := range people {
		inv, err := rpc.Call[events.InviteReply](ctx, e.p.NATS, events.RPC(events.IdentityService, events.OpInvite), hr, events.InviteRequest{
			Email: fmt.Sprintf("bench%d@bench.onramp", i), Name: fmt.Sprintf("Bench %d", i), Track: "operations", Team: "bench",
			StartDate: time.Now().Format(events.DateLayout),
		})
		if err != nil {
			return Result{}, err
		}
		ids[i] = inv.Person.ID
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	lat := make([][]time.Duration, 32)
	start := time.Now()
	for w := range 32 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				t0 := time.Now()
				_, err := rpc.Call[events.InviteReply](ctx, e.p.NATS, events.RPC(events.IdentityService, events.OpIssueLink), hr, events.PersonRequest{ID: ids[i%people]})
				if err != nil {
					errs <- err
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	acked := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return Result{}, err
	}
	// Stored: identity's store checkpoint reaches the stream's last event.
	js, _ := jetstream.New(e.p.NATS)
	if err := storedUpTo(ctx, js, e.p.Mongo, "IDENTITY", 5*time.Minute); err != nil {
		return Result{}, err
	}
	stored := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return Result{
		Name: "event backbone (command → event → stored)", Rate: float64(n) / stored.Seconds(), Unit: "event",
		P99:    percentile(all, 0.99),
		Detail: fmt.Sprintf("%d commands, 32 concurrent; all acknowledged after %v, all stored after %v", n, acked.Round(time.Millisecond), stored.Round(time.Millisecond)),
	}, nil
}

func streamLast(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	s, err := js.Stream(ctx, "IDENTITY")
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.LastSeq, nil
}
