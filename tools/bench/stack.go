package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/devstack"
	"onramp.dev/infra/store"
)

// soloStack is a fresh embedded stack for benchmarking one service on its own.
type soloStack struct {
	dir   string
	stack *devstack.Stack
	nc    *nats.Conn
	js    jetstream.JetStream
	mc    *mongo.Client
}

func startSolo(ctx context.Context) (*soloStack, error) {
	dir, err := os.MkdirTemp("", "onramp-bench-solo-")
	if err != nil {
		return nil, err
	}
	s := &soloStack{dir: dir}
	if s.stack, err = devstack.Start(ctx, devstack.Config{Dir: dir}); err != nil {
		return nil, err
	}
	if s.nc, err = s.stack.Connect(); err != nil {
		s.close()
		return nil, err
	}
	if s.js, err = jetstream.New(s.nc); err != nil {
		s.close()
		return nil, err
	}
	if err := bus.EnsureStreams(ctx, s.js); err != nil {
		s.close()
		return nil, err
	}
	if s.mc, err = store.Connect(ctx, s.stack.StoreURI()); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *soloStack) close() {
	if s.mc != nil {
		_ = s.mc.Disconnect(context.Background())
	}
	if s.nc != nil {
		s.nc.Close()
	}
	if s.stack != nil {
		s.stack.Close()
	}
	os.RemoveAll(s.dir)
}

// publishAll appends events asynchronously and waits for every ack.
func (s *soloStack) publishAll(envs []events.Envelope) error {
	for _, env := range envs {
		msg := nats.NewMsg(events.Subject(env.Type, env.Subject))
		body, err := json.Marshal(env)
		if err != nil {
			return err
		}
		msg.Data = body
		msg.Header.Set(jetstream.MsgIDHeader, env.ID)
		if _, err := s.js.PublishMsgAsync(msg); err != nil {
			return err
		}
	}
	select {
	case <-s.js.PublishAsyncComplete():
		return nil
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("events not acknowledged within 2 minutes")
	}
}

// settled waits until the service that owns stream has stored every event on it: its
// store's checkpoint (written once every dirty document is, at most every 100 ms) reaches
// the stream's last sequence.
func (s *soloStack) settled(ctx context.Context, stream string, limit time.Duration) error {
	return storedUpTo(ctx, s.js, s.mc, stream, limit)
}

// storedUpTo waits, up to limit, until the checkpoint of stream in its service's database
// (the stream's name in lower case) reaches the stream's last sequence.
func storedUpTo(ctx context.Context, js jetstream.JetStream, mc *mongo.Client, stream string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	cp := store.NewCheckpoint(mc.Database(strings.ToLower(stream)), stream)
	for {
		last, err := bus.StreamLastSeq(ctx, js, stream)
		if err != nil {
			return err
		}
		at, err := cp.Get(ctx)
		if err != nil {
			return err
		}
		if at >= last {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s stored up to %d of %d after %v", stream, at, last, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hires makes n staff.hired events on track in team.
func hires(n int, prefix, track, team string) ([]events.Envelope, error) {
	out := make([]events.Envelope, n)
	start := time.Now().Format(events.DateLayout)
	for i := range n {
		env, err := events.New("bench-hr", fmt.Sprintf("%s-%05d", prefix, i), events.StaffHired{
			Email: fmt.Sprintf("%s%d@bench.onramp", prefix, i), Name: fmt.Sprintf("%s %05d", prefix, i), Roles: []string{events.RoleHire},
			Team: team, Track: track, StartDate: start,
		}, time.Now())
		if err != nil {
			return nil, err
		}
		out[i] = env
	}
	return out, nil
}
