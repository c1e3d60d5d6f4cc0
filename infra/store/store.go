// Package store is the one adapter between Onramp services and their MongoDB-compatible
// store (FerretDB embedded, MongoDB in production). It deliberately offers only what is
// fast on both: load a whole collection at start (to build in-memory read models) and
// write whole documents keyed by a natural string _id, in bulk.
package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Connect opens a client for uri and checks that the server answers.
func Connect(ctx context.Context, uri string) (*mongo.Client, error) {
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(30 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Ping(pctx, nil); err != nil {
		_ = c.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("store: ping: %w", err)
	}
	return c, nil
}

// Doc is a document with a natural string id.
type Doc interface {
	DocID() string
}

// Collection holds documents of type T keyed by _id.
type Collection[T Doc] struct {
	c *mongo.Collection
}

// NewCollection returns the typed collection name in db.
func NewCollection[T Doc](db *mongo.Database, name string) *Collection[T] {
	return &Collection[T]{c: db.Collection(name)}
}

// All calls fn for every document (used once at start to build the read model).
func (c *Collection[T]) All(ctx context.Context, fn func(T) error) error {
	cur, err := c.c.Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("store: load %s: %w", c.c.Name(), err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d T
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("store: decode %s: %w", c.c.Name(), err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("store: load %s: %w", c.c.Name(), err)
	}
	return nil
}

// Get reads one document by id; found is false if there is none.
func (c *Collection[T]) Get(ctx context.Context, id string) (doc T, found bool, err error) {
	err = c.c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc)
	if err == mongo.ErrNoDocuments {
		return doc, false, nil
	}
	if err != nil {
		return doc, false, fmt.Errorf("store: get %s/%s: %w", c.c.Name(), id, err)
	}
	return doc, true, nil
}

// Newest reads up to limit documents, those with the highest field first (then the highest
// _id): the latest of a collection that grows. On MongoDB, with an index on field
// (IndexDescending), it reads limit documents; FerretDB v1.24 sorts in Go after decoding
// every document (1.0 s for 11,500 e-mails).
func (c *Collection[T]) Newest(ctx context.Context, field string, limit int) ([]T, error) {
	opts := options.Find().SetSort(bson.D{{Key: field, Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit))
	cur, err := c.c.Find(ctx, bson.D{}, opts)
	if err != nil {
		return nil, fmt.Errorf("store: newest %s: %w", c.c.Name(), err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("store: newest %s: %w", c.c.Name(), err)
	}
	return out, nil
}

// IndexDescending creates, if missing, an index on field then _id, both descending (for
// Newest).
func (c *Collection[T]) IndexDescending(ctx context.Context, field string) error {
	_, err := c.c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: field, Value: -1}, {Key: "_id", Value: -1}}})
	if err != nil {
		return fmt.Errorf("store: index %s on %s: %w", c.c.Name(), field, err)
	}
	return nil
}

// putBatch bounds the statements of one bulk write: FerretDB v1.24 never answers an
// update command of 100 or more statements that replace existing documents (the request
// times out; TestPutManyExistingDocuments covers it).
const putBatch = 50

// Put writes whole documents, replacing what each _id held, in unordered bulk writes.
// Callers are the single writer of these documents (see package eventlog).
func (c *Collection[T]) Put(ctx context.Context, docs ...T) error {
	for len(docs) > 0 {
		n := min(len(docs), putBatch)
		models := make([]mongo.WriteModel, n)
		for i, d := range docs[:n] {
			models[i] = mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: d.DocID()}}).SetReplacement(d).SetUpsert(true)
		}
		_, err := c.c.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		if mongo.IsDuplicateKeyError(err) { // two writers upserted one new id at once: now it exists
			_, err = c.c.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		}
		if err != nil {
			return fmt.Errorf("store: put %d into %s: %w", n, c.c.Name(), err)
		}
		docs = docs[n:]
	}
	return nil
}

// Delete removes the documents with ids (those that exist).
func (c *Collection[T]) Delete(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := c.c.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return fmt.Errorf("store: delete %d from %s: %w", len(ids), c.c.Name(), err)
	}
	return nil
}

// Clear removes every document.
func (c *Collection[T]) Clear(ctx context.Context) error {
	if _, err := c.c.DeleteMany(ctx, bson.D{}); err != nil {
		return fmt.Errorf("store: clear %s: %w", c.c.Name(), err)
	}
	return nil
}

// Insert adds new documents in bulk (the cheap path for bulk work on the embedded store).
func (c *Collection[T]) Insert(ctx context.Context, docs ...T) error {
	if len(docs) == 0 {
		return nil
	}
	a := make([]any, len(docs))
	for i, d := range docs {
		a[i] = d
	}
	if _, err := c.c.InsertMany(ctx, a, options.InsertMany().SetOrdered(false)); err != nil {
		return fmt.Errorf("store: insert %d into %s: %w", len(docs), c.c.Name(), err)
	}
	return nil
}
