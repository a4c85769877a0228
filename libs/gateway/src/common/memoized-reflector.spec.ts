import { SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { MemoizedReflector } from './memoized-reflector';

const ROLE = 'role';
const OPEN = 'open';

@SetMetadata(ROLE, 'admin')
class AdminController {
  list(): void {}
  @SetMetadata(ROLE, 'customer')
  mine(): void {}
}

class BaseController {
  shared(): void {}
}
@SetMetadata(ROLE, 'auditor')
class AuditController extends BaseController {}
@SetMetadata(OPEN, true)
class OpenController extends BaseController {}

describe('MemoizedReflector', () => {
  const plain = new Reflector();

  it('answers what Reflector answers, the handler overriding its controller, asked once or many times', () => {
    const reflector = new MemoizedReflector();
    for (const [handler, controller] of [
      [AdminController.prototype.list, AdminController],
      [AdminController.prototype.mine, AdminController],
    ] as const) {
      for (let asked = 0; asked < 3; asked++) {
        for (const key of [ROLE, OPEN]) {
          expect(reflector.getAllAndOverride(key, [handler, controller])).toEqual(plain.getAllAndOverride(key, [handler, controller]));
        }
      }
    }
    expect(reflector.getAllAndOverride(ROLE, [AdminController.prototype.mine, AdminController])).toBe('customer');
  });

  it('keeps apart one handler inherited by two controllers', () => {
    const reflector = new MemoizedReflector();
    const shared = BaseController.prototype.shared;
    expect(reflector.getAllAndOverride(ROLE, [shared, AuditController])).toBe('auditor');
    expect(reflector.getAllAndOverride(ROLE, [shared, OpenController])).toBeUndefined();
    expect(reflector.getAllAndOverride(OPEN, [shared, OpenController])).toBe(true);
    expect(reflector.getAllAndOverride(OPEN, [shared, AuditController])).toBeUndefined();
  });

  it('asks Reflector itself for anything but a handler and its controller', () => {
    const reflector = new MemoizedReflector();
    expect(reflector.getAllAndOverride(ROLE, [AuditController])).toBe('auditor');
    expect(reflector.getAllAndOverride(ROLE, [AdminController.prototype.list, AuditController, AdminController])).toBe('auditor');
  });
});
