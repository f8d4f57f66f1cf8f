import test from 'ava';
import { readFileSync } from 'node:fs';
import { accelerateArgs, accelerateSchema, DEEPSPEED_CONFIGS } from '../../../plugins/engine-trl/index.ts';

const flags = (settings: Record<string, unknown>) => accelerateArgs(accelerateSchema.parse(settings), 'train.py', ['job.json']).join(' ');

test('accelerate settings pass through: processes, machines, rank, main address and port, mixed precision, DeepSpeed', (t) => {
  t.is(flags({}), '-m accelerate.commands.launch --num_processes 1 --num_machines 1 --machine_rank 0 --dynamo_backend no train.py job.json');
  t.is(
    flags({ numProcesses: 4, numMachines: 2, machineRank: 1, mainProcessIp: '10.0.0.1', mainProcessPort: 29500, mixedPrecision: 'bf16', extraArgs: ['--same_network'] }),
    '-m accelerate.commands.launch --num_processes 8 --num_machines 2 --machine_rank 1 --main_process_ip 10.0.0.1 --main_process_port 29500 --multi_gpu --mixed_precision bf16 --dynamo_backend no --same_network train.py job.json',
  );
  t.regex(flags({ numProcesses: 2 }), /--num_processes 2 .*--multi_gpu/, 'several processes: --multi_gpu (gloo without a GPU)');
  t.regex(flags({ numProcesses: 4, deepspeed: 'zero3' }), new RegExp(`--use_deepspeed --deepspeed_config_file ${DEEPSPEED_CONFIGS.zero3}`));
  t.regex(flags({ deepspeed: '/my/ds.json', configFile: '/my/accelerate.yaml' }), /--config_file \/my\/accelerate\.yaml .*--deepspeed_config_file \/my\/ds\.json/);
});

test('the shipped DeepSpeed configs: ZeRO-2 and ZeRO-3, batch sizes and precision left to the Trainer ("auto")', (t) => {
  for (const [name, stage] of [['zero2', 2], ['zero3', 3]] as const) {
    const config = JSON.parse(readFileSync(DEEPSPEED_CONFIGS[name]!, 'utf8')) as Record<string, unknown> & { zero_optimization: { stage: number } };
    t.is(config.zero_optimization.stage, stage);
    for (const key of ['train_batch_size', 'train_micro_batch_size_per_gpu', 'gradient_accumulation_steps', 'gradient_clipping']) t.is(config[key], 'auto', `${name} ${key}`);
  }
});
