// Pulumi entry point. Pulumi's Node.js host imports this file directly: Node 24
// strips the types (Pulumi.yaml sets `typescript: false`, so no ts-node).
import * as pulumi from '@pulumi/pulumi';
import { readStackConfig, STACK_CONFIG_KEYS } from './src/config.ts';
import { createStack } from './src/stack.ts';

const config = new pulumi.Config();
const region = new pulumi.Config('aws').get('region');
const cfg = readStackConfig(STACK_CONFIG_KEYS, (key) => (key === 'region' ? region : config.get(key)));
const out = createStack(cfg, pulumi.getStack());

export const clusterName = out.clusterName;
export const kubeconfig = out.kubeconfig;
export const bucketName = out.bucketName;
export const storeUri = out.storeUri;
export const repositoryUrl = out.repositoryUrl;
export const runnerImageRepository = out.runnerImageRepository;
export const operatorRoleArn = out.operatorRoleArn;
export const runnerRoleArn = out.runnerRoleArn;
export const namespace = out.namespace;
// Repository variables AWS_IMAGES_ROLE_ARN and AWS_SWEEP_ROLE_ARN (docs/deploy.md).
export const githubImagesRoleArn = out.githubImagesRoleArn;
export const githubSweepRoleArn = out.githubSweepRoleArn;
