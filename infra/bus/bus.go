// Package bus connects a service to NATS and JetStream: it declares Onramp's streams and
// appends events with JetStream as the commit point — an event a client's Idempotency-Key
// names carries its id as Nats-Msg-Id, and an append carries, where the caller asks, the
// stream sequence it expects to be the last one on a subject filter, so two writers can
// never both append on a stale view of a record.
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/idempotency"
	"onramp.dev/infra/trace"
)

// ErrConflict means the expected sequence was not the last one: somebody else appended to
// the record first. Reload and retry.
var ErrConflict = errors.New("bus: record changed since it was read")

// Connect dials an external NATS server (url), retrying the first connection for a while
// and reconnecting for ever afterwards.
func Connect(url, name string) (*nats.Conn, error) {
	nc, err := nats.Connect(url,
		nats.Name(name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("bus: connect %s: %w", url, err)
	}
	return nc, nil
}

// EnsureStreams creates or updates every stream in events.Streams.
func EnsureStreams(ctx context.Context, js jetstream.JetStream) error {
	for _, s := range events.Streams {
		cfg := jetstream.StreamConfig{
			Name:     s.Name,
			Subjects: s.Subjects,
			Storage:  jetstream.FileStorage,
			MaxAge:   s.MaxAge,
			// A client may retry a command with its Idempotency-Key for a day.
			Duplicates: 24 * time.Hour,
			// Let Nats-Expected-Last-Subject-Sequence-Subject filters and last-message
			// lookups work on any subject.
			AllowDirect: true,
		}
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("bus: stream %s: %w", s.Name, err)
		}
	}
	return nil
}

// Expect states what must be true of the stream for an append to go through.
type Expect struct {
	// Filter is a subject filter (wildcards allowed); LastSeq is the stream sequence of the
	// last message on it that the writer has seen (0: none may exist). Empty Filter: no check.
	Filter  string
	LastSeq uint64
}

// Append publishes env on its subject (events.Subject of its type and record) and returns
// the stream sequence it was stored at.
//
// Under a client's Idempotency-Key the event's id is derived from the key and sent as
// Nats-Msg-Id: a retry of the command within the stream's duplicate window (a day) is
// acknowledged without storing the event twice. Any other event's id is fresh, so no append
// could ever repeat it, and it is not sent as Nats-Msg-Id: the stream keeps every
// Nats-Msg-Id of the last day in memory (about 200 bytes each; at 10,000 staff a day of
// sweeps, notices and consumers' events made that table 80 MB of the portal's memory), and
// such entries could only ever be looked up in vain. Consumers' events are idempotent
// through their models instead (a notice's cause key, a plan per hire, …).
func Append(ctx context.Context, js jetstream.JetStream, env events.Envelope, expect Expect) (uint64, error) {
	if env.Trace == "" {
		env.Trace = trace.From(ctx) // the request or event that caused this one
	}
	keyed := false
	if id, ok := idempotency.NextEventID(ctx); ok {
		env.ID, keyed = id, true // a client's retry appends the very same event
	}
	if err := env.Validate(); err != nil {
		return 0, fmt.Errorf("bus: append: %w", err)
	}
	body, err := json.Marshal(env)
	if err != nil {
		return 0, fmt.Errorf("bus: append: %w", err)
	}
	msg := nats.NewMsg(events.Subject(env.Type, env.Subject))
	msg.Data = body
	if keyed {
		msg.Header.Set(jetstream.MsgIDHeader, env.ID)
	}
	if expect.Filter != "" {
		msg.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(expect.LastSeq, 10))
		msg.Header.Set("Nats-Expected-Last-Subject-Sequence-Subject", expect.Filter)
	}
	ack, err := js.PublishMsg(ctx, msg)
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
			// The stream checks expectations before duplicates: a retry of an event that is
			// already the record's last one (a client retrying after a crash) is not a
			// conflict but the same append.
			if !keyed {
				return 0, fmt.Errorf("%w (%s)", ErrConflict, expect.Filter)
			}
			if seq, ok := landed(ctx, js, env, expect.Filter); ok {
				idempotency.EventAppended(ctx)
				return seq, nil
			}
			return 0, fmt.Errorf("%w (%s)", ErrConflict, expect.Filter)
		}
		return 0, fmt.Errorf("bus: append %s: %w", env.Type, err)
	}
	idempotency.EventAppended(ctx)
	return ack.Sequence, nil
}

// landed reports whether env is already the last message on filter, and at which sequence.
func landed(ctx context.Context, js jetstream.JetStream, env events.Envelope, filter string) (uint64, bool) {
	s, err := js.Stream(ctx, events.StreamFor(env.Type))
	if err != nil {
		return 0, false
	}
	m, err := s.GetLastMsgForSubject(ctx, filter)
	if err != nil || m.Header.Get(jetstream.MsgIDHeader) != env.ID {
		return 0, false
	}
	return m.Sequence, true
}

// LastSeq returns the stream sequence of the last message on a subject filter (wildcards
// allowed), or 0 if there is none.
func LastSeq(ctx context.Context, js jetstream.JetStream, stream, filter string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("bus: stream %s: %w", stream, err)
	}
	if filter == events.StreamFilter(stream) {
		// Every subject of the stream: its state says, where a last-message request on the
		// filter would make the server search every subject the stream holds. js.Stream
		// has just asked for it.
		info := s.CachedInfo()
		if info.State.Msgs == 0 {
			return 0, nil
		}
		return info.State.LastSeq, nil
	}
	m, err := s.GetLastMsgForSubject(ctx, filter)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("bus: last message on %s: %w", filter, err)
	}
	return m.Sequence, nil
}

// StreamLastSeq returns the sequence of the last message in stream (0 if empty).
func StreamLastSeq(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("bus: stream %s: %w", stream, err)
	}
	return s.CachedInfo().State.LastSeq, nil // js.Stream has just asked for it
}
