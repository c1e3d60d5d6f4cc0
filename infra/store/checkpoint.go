package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Checkpoint is the stream sequence a service's documents reflect, kept next to them in
// the service's database (collection "checkpoints", one document per stream), so a store
// that was lost or restored from an old backup is noticed and rewritten at start.
type Checkpoint struct {
	c  *mongo.Collection
	id string
}

// NewCheckpoint returns the checkpoint of stream in db.
func NewCheckpoint(db *mongo.Database, stream string) *Checkpoint {
	return &Checkpoint{c: db.Collection("checkpoints"), id: stream}
}

type checkpointDoc struct {
	ID  string `bson:"_id"`
	Seq int64  `bson:"seq"`
}

// Get returns the recorded sequence, 0 if none is.
func (c *Checkpoint) Get(ctx context.Context) (uint64, error) {
	var d checkpointDoc
	err := c.c.FindOne(ctx, bson.D{{Key: "_id", Value: c.id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: checkpoint %s: %w", c.id, err)
	}
	return uint64(d.Seq), nil
}

// Set records seq.
func (c *Checkpoint) Set(ctx context.Context, seq uint64) error {
	_, err := c.c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.id}}, checkpointDoc{ID: c.id, Seq: int64(seq)}, options.Replace().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) { // another replica's upsert created it a moment ago
		_, err = c.c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.id}}, checkpointDoc{ID: c.id, Seq: int64(seq)})
	}
	if err != nil {
		return fmt.Errorf("store: checkpoint %s: %w", c.id, err)
	}
	return nil
}
