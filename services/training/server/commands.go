package server

import (
	"context"
	"fmt"
	"slices"

	"onramp.dev/events"
	"onramp.dev/infra/consumer"
	"onramp.dev/infra/eventlog"
	"onramp.dev/services/training"
)

// Command plumbing shared by the operations (ops.go), the consumers (consume.go) and the
// sweep (sweep.go).

// reach appends assignment.reached for the people of ids the assignment does not reach yet.
func (m *Main) reach(ctx context.Context, actor, id string, people []string, source string) error {
	defer m.el.Lock(id)()
	return eventlog.Retry(func() error {
		m.el.RLock()
		a, ok := m.state.Assignment(id)
		var seq uint64
		var module string
		var fresh []string
		if ok {
			seq, module = a.Seq, a.Module
			for _, p := range people {
				if !slices.Contains(a.People, p) {
					fresh = append(fresh, p)
				}
			}
		}
		m.el.RUnlock()
		if !ok || len(fresh) == 0 {
			return nil
		}
		env, err := events.New(actor, id, events.AssignmentReached{Module: module, People: fresh, Source: source}, m.cfg.Now())
		if err != nil {
			return fmt.Errorf("%w: %w", consumer.ErrPermanent, err)
		}
		_, err = m.commit(ctx, env, events.RecordFilter("training", "assignment", id), seq)
		return err
	})
}

// learnerCommit takes the learner's lock, decides (under the state's read lock) and
// appends the event, expecting no other event about the learner since the decision.
// decide returning a nil payload means there is nothing to do; sent reports an append.
func (m *Main) learnerCommit(ctx context.Context, actor, person string, decide func() (events.Payload, error)) (sent bool, err error) {
	defer m.el.Lock(training.LearnerID(person))()
	err = eventlog.Retry(func() error {
		sent, _, err = m.learnerAppend(ctx, actor, person, decide)
		return err
	})
	return sent, err
}

// learnerAppend is one try of learnerCommit; the caller holds the learner's lock. It
// returns the stream sequence of the appended event.
func (m *Main) learnerAppend(ctx context.Context, actor, person string, decide func() (events.Payload, error)) (bool, uint64, error) {
	m.el.RLock()
	p, err := decide()
	seq := m.state.LearnerSeq(person)
	m.el.RUnlock()
	if err != nil || p == nil {
		return false, 0, err
	}
	env, err := events.New(actor, person, p, m.cfg.Now())
	if err != nil {
		return false, 0, err
	}
	at, err := m.commit(ctx, env, events.TrainingLearnerFilter(person), seq)
	if err != nil {
		return false, 0, err
	}
	return true, at, nil
}
