package server

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/eventlog"
)

// catalogueSubject is where the effective catalogue is announced.
var catalogueSubject = events.Subject(events.CatalogueChanged{}.EventType(), events.CatalogueSubject)

// effective is the effective catalogue as the API shows it.
func (m *Main) effective() []events.Skill {
	m.el.RLock()
	defer m.el.RUnlock()
	out := make([]events.Skill, 0, len(m.state.Skills()))
	for _, s := range m.state.Skills() {
		out = append(out, skillView(s))
	}
	return out
}

// announceCatalogue publishes the effective catalogue (events.CatalogueChanged) unless the
// newest announcement on the stream already says the same. It runs at start and after
// every import; the expected sequence keeps replicas from announcing the same change twice.
func (m *Main) announceCatalogue(ctx context.Context) error {
	defer m.el.Lock("catalogue")()
	return eventlog.Retry(func() error {
		stream, err := m.js.Stream(ctx, "SKILLS")
		if err != nil {
			return fmt.Errorf("skills: announce catalogue: %w", err)
		}
		var last uint64
		var announced events.CatalogueChanged
		msg, err := stream.GetLastMsgForSubject(ctx, catalogueSubject)
		switch {
		case errors.Is(err, jetstream.ErrMsgNotFound):
		case err != nil:
			return fmt.Errorf("skills: announce catalogue: %w", err)
		default:
			last = msg.Sequence
			if env, err := events.Decode(msg.Data); err == nil {
				_ = env.Payload(&announced) // unreadable: announce again
			}
		}
		cur := m.effective()
		if slices.Equal(cur, announced.Skills) {
			return nil
		}
		env, err := events.New(events.System, events.CatalogueSubject, events.CatalogueChanged{Skills: cur}, m.cfg.Now())
		if err != nil {
			return err
		}
		_, err = m.el.Commit(ctx, env, bus.Expect{Filter: catalogueSubject, LastSeq: last})
		return err
	})
}
