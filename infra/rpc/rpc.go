// Package rpc carries Onramp's queries and commands over NATS request-reply: typed calls
// for clients and typed handlers for services (registered as nats.go micro endpoints, so
// operators see them with the standard NATS tooling). Every reply is an events.Reply.
package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"onramp.dev/events"
	"onramp.dev/infra/idempotency"
	"onramp.dev/infra/trace"
)

// Caller is who a request is made for: a person's access token, or the system itself.
type Caller struct {
	Token  string // access token (JWT) of the person
	System bool   // trusted tool (seeding, admin CLI)
}

// ErrUnavailable means nobody answered: the service is down or still starting.
var ErrUnavailable = errors.New("rpc: service unavailable")

// Call sends req to subject for caller and decodes the reply's data into a Resp. A reply
// carrying an error comes back as *events.Error.
func Call[Resp any](ctx context.Context, nc *nats.Conn, subject string, caller Caller, req any) (Resp, error) {
	var resp Resp
	body, err := json.Marshal(req)
	if err != nil {
		return resp, fmt.Errorf("rpc: %s: %w", subject, err)
	}
	msg := nats.NewMsg(subject)
	msg.Data = body
	if caller.Token != "" {
		msg.Header.Set(events.HeaderAuthorization, "Bearer "+caller.Token)
	}
	if caller.System {
		msg.Header.Set(events.HeaderCaller, events.CallerSystem)
	}
	if tp := trace.From(ctx); tp != "" {
		msg.Header.Set(trace.Header, tp)
	}
	if k := idempotency.ForCall(ctx); k != "" {
		msg.Header.Set(idempotency.Header, k)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	m, err := nc.RequestMsgWithContext(ctx, msg)
	if errors.Is(err, nats.ErrNoResponders) {
		return resp, fmt.Errorf("%w: %s", ErrUnavailable, subject)
	}
	if err != nil {
		return resp, fmt.Errorf("rpc: %s: %w", subject, err)
	}
	// An events.Reply, decoded in one pass: the data straight into a Resp.
	r := struct {
		Data  *Resp         `json:"data"`
		Error *events.Error `json:"error"`
	}{Data: &resp}
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return resp, fmt.Errorf("rpc: %s: bad reply: %w", subject, err)
	}
	if r.Error != nil {
		var zero Resp
		return zero, r.Error
	}
	return resp, nil
}

// Do calls op for caller: the typed form of Call, checked against the operation's contract.
func Do[Req, Resp any](ctx context.Context, nc *nats.Conn, op events.Op[Req, Resp], caller Caller, req Req) (Resp, error) {
	return Call[Resp](ctx, nc, op.Subject(), caller, req)
}

// Request is what a handler receives.
type Request[Req any] struct {
	Body   Req
	Caller Caller
}

// Service registers typed endpoints as a micro service.
type Service struct {
	name   string
	nc     *nats.Conn
	svc    micro.Service
	group  micro.Group
	logger *slog.Logger
}

// NewService registers a micro service named name on nc, answering on
// events.RPC(name, <op>).
func NewService(nc *nats.Conn, name, version string, logger *slog.Logger) (*Service, error) {
	svc, err := micro.AddService(nc, micro.Config{Name: name, Version: version, Description: "Onramp " + name + " service"})
	if err != nil {
		return nil, fmt.Errorf("rpc: add service %s: %w", name, err)
	}
	return &Service{name: name, nc: nc, svc: svc, group: svc.AddGroup(events.RPCPrefix + "." + name), logger: logger}, nil
}

// Stop removes the service's endpoints.
func (s *Service) Stop() error { return s.svc.Stop() }

// Serve registers f as the handler of op, one of this service's operations: the handler's
// types are the operation's contract.
func Serve[Req, Resp any](s *Service, op events.Op[Req, Resp], f func(ctx context.Context, r Request[Req]) (Resp, error)) error {
	if op.Service != s.name {
		return fmt.Errorf("rpc: service %s cannot serve %s's operation %s", s.name, op.Service, op.Name)
	}
	return Handle(s, op.Name, f)
}

// Handle registers op. Each request runs on its own goroutine, so a slow request (password
// hashing) never holds up the next one.
func Handle[Req, Resp any](s *Service, op string, f func(ctx context.Context, r Request[Req]) (Resp, error)) error {
	name := strings.ReplaceAll(op, ".", "-")
	h := micro.HandlerFunc(func(mr micro.Request) {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			ctx = trace.With(ctx, nats.Header(mr.Headers()).Get(trace.Header))
			ctx = idempotency.With(ctx, nats.Header(mr.Headers()).Get(idempotency.Header))
			r := Request[Req]{Caller: callerOf(mr.Headers())}
			var reply events.Reply
			if len(mr.Data()) > 0 {
				if err := json.Unmarshal(mr.Data(), &r.Body); err != nil {
					reply.Error = events.Errorf(events.CodeBadRequest, "malformed request: %v", err)
					respond(s.nc, mr, reply, s.logger)
					return
				}
			}
			resp, err := f(ctx, r)
			if err == nil {
				var data []byte
				if data, err = json.Marshal(resp); err == nil {
					// The data is encoded once: the reply envelope is written around it
					// rather than encoded again.
					respondBody(s.nc, mr, append(append([]byte(`{"data":`), data...), '}'), s.logger)
					return
				}
			}
			var e *events.Error
			if errors.As(err, &e) {
				reply.Error = e
			} else {
				s.logger.Error("request failed", "op", op, "err", err)
				reply.Error = events.Errorf(events.CodeInternal, "internal error")
			}
			respond(s.nc, mr, reply, s.logger)
		}()
	})
	if err := s.group.AddEndpoint(name, h, micro.WithEndpointSubject(op)); err != nil {
		return fmt.Errorf("rpc: endpoint %s: %w", op, err)
	}
	return nil
}

func respond(nc *nats.Conn, mr micro.Request, reply events.Reply, logger *slog.Logger) {
	body, err := json.Marshal(reply)
	if err != nil {
		logger.Warn("reply not sent", "subject", mr.Subject(), "err", err)
		return
	}
	respondBody(nc, mr, body, logger)
}

// respondBody sends an encoded events.Reply.
func respondBody(nc *nats.Conn, mr micro.Request, body []byte, logger *slog.Logger) {
	var err error
	if int64(len(body)) > nc.MaxPayload()-4096 {
		// Too big for one NATS message: say so at once rather than leave the caller
		// waiting for its timeout.
		logger.Error("reply too large", "subject", mr.Subject(), "bytes", len(body), "max", nc.MaxPayload())
		body, err = json.Marshal(events.Reply{Error: events.Errorf(events.CodeInternal, "the answer is too large; narrow the request")})
	}
	if err == nil {
		err = mr.Respond(body)
	}
	if err != nil {
		logger.Warn("reply not sent", "subject", mr.Subject(), "err", err)
	}
}

func callerOf(h micro.Headers) Caller {
	var c Caller
	if auth := nats.Header(h).Get(events.HeaderAuthorization); strings.HasPrefix(auth, "Bearer ") {
		c.Token = strings.TrimPrefix(auth, "Bearer ")
	}
	c.System = nats.Header(h).Get(events.HeaderCaller) == events.CallerSystem
	return c
}
