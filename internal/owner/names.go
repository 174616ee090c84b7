package owner

import (
	"context"
	"time"
)

// listTimeout bounds one listing of a runtime's containers, which happens
// within a window's resolution.
const listTimeout = 2 * time.Second

// lister lists a runtime's containers: their names by ID.
type lister interface {
	list(ctx context.Context) (map[string]string, error)
}

// listNames is a listing within listTimeout.
func listNames(api lister) func() (map[string]string, error) {
	return func() (map[string]string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
		defer cancel()
		return api.list(ctx)
	}
}
