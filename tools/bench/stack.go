package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
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

// settled waits until durable has acknowledged everything on stream (a projector acks a
// batch only after writing it).
func (s *soloStack) settled(ctx context.Context, stream, durable string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		last, err := bus.StreamLastSeq(ctx, s.js, stream)
		if err != nil {
			return err
		}
		c, err := s.js.Consumer(ctx, stream, durable)
		if err == nil {
			if info, err := c.Info(ctx); err == nil && info.AckFloor.Stream >= last {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not settle %s within %v", durable, stream, limit)
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
