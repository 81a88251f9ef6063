import * as aws from '@pulumi/aws';
import type { StackConfig } from './config.ts';

export interface Network {
  vpc: aws.ec2.Vpc;
  publicSubnets: aws.ec2.Subnet[];
  privateSubnets: aws.ec2.Subnet[];
}

/** Subnet CIDRs carved from the VPC's /16: wide private /19s for pod IPs (VPC CNI), small public /24s for NAT and load balancers. */
export function subnetCidrs(vpcCidr: string, count: number): { private: string[]; public: string[] } {
  const [a, b] = vpcCidr.split('.');
  const range = Array.from({ length: count }, (_, i) => i);
  return {
    private: range.map((i) => `${a}.${b}.${i * 32}.0/19`),
    public: range.map((i) => `${a}.${b}.${192 + i}.0/24`),
  };
}

export function createNetwork(name: string, clusterName: string, cfg: StackConfig): Network {
  const azs = aws.getAvailabilityZonesOutput({ state: 'available' });
  const cidrs = subnetCidrs(cfg.vpcCidr, cfg.availabilityZoneCount);
  const vpc = new aws.ec2.Vpc(name, {
    cidrBlock: cfg.vpcCidr,
    enableDnsHostnames: true,
    enableDnsSupport: true,
    tags: { Name: name },
  });
  const igw = new aws.ec2.InternetGateway(name, { vpcId: vpc.id, tags: { Name: name } });
  const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
    vpcId: vpc.id,
    routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
    tags: { Name: `${name}-public` },
  });

  const clusterTag = { [`kubernetes.io/cluster/${clusterName}`]: 'shared' };
  const publicSubnets: aws.ec2.Subnet[] = [];
  const privateSubnets: aws.ec2.Subnet[] = [];
  const natGateways: aws.ec2.NatGateway[] = [];
  const privateRouteTables: aws.ec2.RouteTable[] = [];
  for (let i = 0; i < cfg.availabilityZoneCount; i++) {
    const az = azs.names.apply((names) => {
      const zone = names[i];
      if (zone === undefined) throw new Error(`region ${cfg.region} has ${names.length} available zones; availabilityZoneCount is ${cfg.availabilityZoneCount}`);
      return zone;
    });
    const pub = new aws.ec2.Subnet(`${name}-public-${i}`, {
      vpcId: vpc.id,
      availabilityZone: az,
      cidrBlock: cidrs.public[i],
      // Nodes never land here; instances that do (NAT) get an EIP explicitly.
      mapPublicIpOnLaunch: false,
      tags: { Name: `${name}-public-${i}`, 'kubernetes.io/role/elb': '1', ...clusterTag },
    });
    new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRoutes.id });
    publicSubnets.push(pub);

    if (i === 0 || cfg.natGateways === 'perAz') {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: 'vpc', tags: { Name: `${name}-nat-${i}` } });
      natGateways.push(new aws.ec2.NatGateway(`${name}-nat-${i}`, { subnetId: pub.id, allocationId: eip.id, tags: { Name: `${name}-nat-${i}` } }, { dependsOn: [igw] }));
    }
    const nat = natGateways[cfg.natGateways === 'perAz' ? i : 0];
    if (nat === undefined) throw new Error('unreachable: NAT gateway 0 is created with subnet 0');
    const priv = new aws.ec2.Subnet(`${name}-private-${i}`, {
      vpcId: vpc.id,
      availabilityZone: az,
      cidrBlock: cidrs.private[i],
      mapPublicIpOnLaunch: false,
      tags: { Name: `${name}-private-${i}`, 'kubernetes.io/role/internal-elb': '1', ...clusterTag },
    });
    const privateRoutes = new aws.ec2.RouteTable(`${name}-private-${i}`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
      tags: { Name: `${name}-private-${i}` },
    });
    new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: priv.id, routeTableId: privateRoutes.id });
    privateRouteTables.push(privateRoutes);
    privateSubnets.push(priv);
  }
  // S3 traffic from the runners skips the NAT gateway (cost and bandwidth).
  new aws.ec2.VpcEndpoint(`${name}-s3`, {
    vpcId: vpc.id,
    serviceName: `com.amazonaws.${cfg.region}.s3`,
    vpcEndpointType: 'Gateway',
    routeTableIds: privateRouteTables.map((t) => t.id),
    tags: { Name: `${name}-s3` },
  });
  return { vpc, publicSubnets, privateSubnets };
}
