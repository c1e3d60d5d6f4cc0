package store

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Saver writes whole documents the cheap way on the embedded store: documents the
// collection does not hold yet are inserted in bulk (~20× cheaper than updates on FerretDB),
// the others replaced. It remembers which ids are stored; tell it what was loaded at start.
type Saver[T Doc] struct {
	c      *Collection[T]
	mu     sync.Mutex
	stored map[string]bool
}

// NewSaver returns a saver for c that knows of no stored document yet.
func NewSaver[T Doc](c *Collection[T]) *Saver[T] {
	return &Saver[T]{c: c, stored: map[string]bool{}}
}

// Loaded records that the document id is in the collection (call it while loading).
func (s *Saver[T]) Loaded(id string) {
	s.mu.Lock()
	s.stored[id] = true
	s.mu.Unlock()
}

// Forget lets the saver stop remembering ids (documents it will not write again, in all
// likelihood: one written later anyway is inserted, found stored, and replaced).
func (s *Saver[T]) Forget(ids ...string) {
	s.mu.Lock()
	for _, id := range ids {
		delete(s.stored, id)
	}
	s.mu.Unlock()
}

// Save writes docs: inserts for new ids, replacements for stored ones. A new id that turns
// out to be stored already (written before a crash, say) is replaced instead.
func (s *Saver[T]) Save(ctx context.Context, docs ...T) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var fresh, changed []T
	for _, d := range docs {
		if s.stored[d.DocID()] {
			changed = append(changed, d)
		} else {
			fresh = append(fresh, d)
		}
	}
	if err := s.c.Insert(ctx, fresh...); err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return err
		}
		if err := s.c.Put(ctx, fresh...); err != nil {
			return err
		}
	}
	if err := s.c.Put(ctx, changed...); err != nil {
		return err
	}
	for _, d := range fresh {
		s.stored[d.DocID()] = true
	}
	return nil
}
