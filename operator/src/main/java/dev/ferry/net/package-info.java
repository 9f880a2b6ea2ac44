/** Networking shared by every HTTP tool: how an in-cluster URL is reached from this process. */
package dev.ferry.net;
