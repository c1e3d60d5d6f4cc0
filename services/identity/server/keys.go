package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"onramp.dev/infra/store"
)

// Signing keys live in identity's own store, not on the event stream: private keys must
// never travel. A new key is made when none is younger than keyRotation; verifiers get the
// public halves of the newest keepKeys.
const (
	keyRotation = 30 * 24 * time.Hour
	keepKeys    = 3
)

type keyDoc struct {
	ID      string    `bson:"_id"` // kid
	Seed    []byte    `bson:"seed"`
	Created time.Time `bson:"created"`
}

func (k keyDoc) DocID() string { return k.ID }

type keyring struct {
	col  *store.Collection[keyDoc]
	mu   sync.RWMutex
	keys []keyDoc // oldest first
}

func (r *keyring) load(ctx context.Context, now time.Time) error {
	var keys []keyDoc
	if err := r.col.All(ctx, func(k keyDoc) error { keys = append(keys, k); return nil }); err != nil {
		return err
	}
	slices.SortFunc(keys, func(a, b keyDoc) int { return a.Created.Compare(b.Created) })
	r.mu.Lock()
	r.keys = keys
	r.mu.Unlock()
	if len(keys) == 0 || now.Sub(keys[len(keys)-1].Created) > keyRotation {
		return r.rotate(ctx, now)
	}
	return nil
}

// rotate makes a new signing key; older ones stay valid for verification.
func (r *keyring) rotate(ctx context.Context, now time.Time) error {
	seed := make([]byte, ed25519.SeedSize)
	_, _ = rand.Read(seed)
	kid := make([]byte, 8)
	_, _ = rand.Read(kid)
	k := keyDoc{ID: hex.EncodeToString(kid), Seed: seed, Created: now.UTC()}
	if err := r.col.Insert(ctx, k); err != nil {
		return fmt.Errorf("identity: store key: %w", err)
	}
	r.mu.Lock()
	r.keys = append(r.keys, k)
	r.mu.Unlock()
	return nil
}

func (r *keyring) current() (string, ed25519.PrivateKey) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k := r.keys[len(r.keys)-1]
	return k.ID, ed25519.NewKeyFromSeed(k.Seed)
}

func (r *keyring) public() map[string]ed25519.PublicKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := map[string]ed25519.PublicKey{}
	for _, k := range r.keys[max(0, len(r.keys)-keepKeys):] {
		out[k.ID] = ed25519.NewKeyFromSeed(k.Seed).Public().(ed25519.PublicKey)
	}
	return out
}
