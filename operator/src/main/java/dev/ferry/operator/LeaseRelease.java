package dev.ferry.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives up the Lease on a clean stop, as client-go's ReleaseOnCancel does, so the next replica
 * leads at once instead of after the Lease's whole duration. JOSDK does not: it leaves the Lease
 * to expire. Called after event processing has stopped, so two writers never overlap.
 */
final class LeaseRelease {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseRelease.class);

  private LeaseRelease() {
  }

  static void release(KubernetesClient client, FerryConfig.LeaderElection election) {
    try {
      Lease lease = client.leases().inNamespace(election.leaseNamespace()).withName(election.leaseName()).get();
      if (lease == null || lease.getSpec() == null || !election.identity().equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      lease.getSpec().setHolderIdentity("");
      lease.getSpec().setLeaseDurationSeconds(1);
      lease.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
      // Optimistic locking on the version read: a Lease another replica took meanwhile is left alone.
      client.resource(lease).update();
      LOG.info("gave up the Lease {}/{}", election.leaseNamespace(), election.leaseName());
    } catch (KubernetesClientException e) {
      LOG.info("could not give up the Lease {}/{} ({}); it expires in {} s", election.leaseNamespace(),
          election.leaseName(), e.getMessage(), election.leaseDuration().toSeconds());
    }
  }
}
