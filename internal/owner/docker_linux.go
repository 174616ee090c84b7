package owner

import (
	"context"
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
)

// docker lists containers through the Docker Engine API.
type docker struct {
	endpoint string
	cli      *client.Client
}

// newDocker makes a client of the API at endpoint; it connects at its
// first request. The API version is negotiated then: Debian 12's daemon
// speaks 1.41, older than this client's own.
func newDocker(endpoint string) (*docker, error) {
	cli, err := client.NewClientWithOpts(client.WithHost(endpoint), client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return &docker{endpoint: endpoint, cli: cli}, nil
}

// list names every container, running or not: a drop can be counted
// after its container stopped.
func (d *docker) list(ctx context.Context) (map[string]string, error) {
	all, err := d.cli.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil {
		return nil, fmt.Errorf("docker at %s: %w", d.endpoint, err)
	}
	byID := make(map[string]string, len(all))
	for _, c := range all {
		if len(c.Names) > 0 {
			byID[c.ID] = strings.TrimPrefix(c.Names[0], "/")
		}
	}
	return byID, nil
}

func (d *docker) Close() error { return d.cli.Close() }
