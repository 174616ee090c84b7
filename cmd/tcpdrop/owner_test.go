package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpdrop/tcpdrop/internal/owner"
)

const webID = "3f4e8c2a9b1d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"

var web = owner.Owner{Cgroup: "docker/" + webID, Container: owner.Container{Runtime: owner.Docker, ID: webID, Name: "web"}}

func TestOwnerLabel(t *testing.T) {
	for want, o := range map[string]owner.Owner{
		"web":                        web,
		"3f4e8c2a9b1d":               {Cgroup: web.Cgroup, Container: owner.Container{ID: webID}},
		"system.slice/nginx.service": {Cgroup: "system.slice/nginx.service"},
		"-":                          {Cgroup: "/"},
	} {
		require.Equal(t, want, ownerLabel(o))
	}
	require.Equal(t, "-", ownerLabel(owner.Owner{}))
}

func TestWants(t *testing.T) {
	nginx := owner.Owner{Cgroup: "system.slice/nginx.service"}
	for _, c := range []struct {
		opt  options
		o    owner.Owner
		want bool
	}{
		{options{}, owner.Owner{}, true},
		{options{container: "web"}, web, true},
		{options{container: webID}, web, true},
		{options{container: webID[:12]}, web, true},
		{options{container: "we"}, web, false},
		{options{container: "web"}, nginx, false},
		{options{container: "web"}, owner.Owner{}, false},
		{options{cgroup: "system.slice"}, nginx, true},
		{options{cgroup: "system.slice/nginx.service"}, nginx, true},
		{options{cgroup: "system.slice/nginx"}, nginx, false},
		{options{cgroup: "docker"}, web, true},
		{options{cgroup: "docker", container: "web"}, web, true},
		{options{cgroup: "system.slice", container: "web"}, web, false},
	} {
		require.Equal(t, c.want, c.opt.wants(c.o), "%+v %+v", c.opt, c.o)
	}
}
